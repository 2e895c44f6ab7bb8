/**
 * The identity of a run, for checkpoints: a hash of everything that decides which events a run
 * sends and in which order — the source and its config, the patterns, the envelope mapping, the
 * order key, and each target with its config — so a resume with another configuration can be
 * refused with a message naming what changed.
 *
 * Secrets never enter it: config fields marked `secret` are left out (changing a password must
 * not block a resume), and `user:password@` is removed from every string.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { IdentityPart, RunIdentity } from "../engine/checkpoint/format.ts";
import { redactUri } from "../host/helpers/redact.ts";
import type { ConfigField } from "../sdk/index.ts";

/** A source or target as the identity sees it. */
export interface IdentityEndpoint {
  /** The plugin name. */
  plugin: string;
  /** The validated config. */
  config: Record<string, unknown>;
  /** The plugin's config fields, to leave out the secret ones. */
  fields?: Record<string, ConfigField>;
}

/** What the identity is computed from. */
export interface IdentityInput {
  source: IdentityEndpoint;
  targets: IdentityEndpoint[];
  /** The patterns as parsed JSON (ORed), empty when every event matches. */
  patterns: unknown[];
  envelope?: Record<string, unknown>;
  orderKey?: string;
  /**
   * Anything else that changes which records the source yields or their order (the key-hash
   * shard mode, `--since`/`--until`), by name.
   */
  extra?: Record<string, unknown>;
}

/** Longest preview of a part in a mismatch message. */
const PREVIEW_CHARS = 160;

/** Computes the identity of a run. Deterministic: object keys are sorted before hashing. */
export function computeRunIdentity(input: IdentityInput): RunIdentity {
  const parts: Record<string, IdentityPart> = {};
  const add = (name: string, value: unknown) => {
    const text = canonicalJson(value);
    parts[name] = {
      sha256: createHash("sha256").update(text).digest("hex").slice(0, 16),
      preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
    };
  };
  add("source", endpointValue(input.source));
  add("patterns", input.patterns);
  add("envelope", input.envelope ?? null);
  add("orderKey", input.orderKey ?? null);
  add("targets", input.targets.length);
  for (const [i, target] of input.targets.entries()) add(`targets[${i}]`, endpointValue(target));
  for (const [name, value] of Object.entries(input.extra ?? {})) add(name, value ?? null);
  const hash = createHash("sha256");
  for (const name of Object.keys(parts).sort()) hash.update(`${name}=${parts[name]!.sha256};`);
  return { hash: hash.digest("hex"), parts };
}

function endpointValue(endpoint: IdentityEndpoint): unknown {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(endpoint.config)) {
    if (endpoint.fields?.[key]?.secret) continue;
    config[key] = value;
  }
  return { plugin: endpoint.plugin, config };
}

/** JSON with object keys sorted at every level and credentials removed from strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (typeof value === "string") return redactUri(value);
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** What {@link identityOfPlan} reads from a resolved plan. */
interface IdentityPlan {
  source: {
    config: Record<string, unknown>;
    registered: { plugin: { name: string; config: { fields: Record<string, ConfigField> } } };
  };
  targets: Array<{
    config: Record<string, unknown>;
    registered: { plugin: { name: string; config: { fields: Record<string, ConfigField> } } };
  }>;
  patternJson?: unknown;
  envelope?: Record<string, unknown>;
  orderKey?: string;
  order?: unknown;
  since?: string;
  until?: string;
  shardMode?: string;
}

/**
 * The identity of a resolved run. `targetPatterns` are the targets' own patterns (routes) as
 * written, which decide which target receives which event.
 */
export function identityOfPlan(plan: IdentityPlan, targetPatterns: readonly unknown[] = []): RunIdentity {
  const endpoint = (e: IdentityPlan["source"]): IdentityEndpoint => ({
    plugin: e.registered.plugin.name,
    config: e.config,
    fields: e.registered.plugin.config.fields,
  });
  return computeRunIdentity({
    source: endpoint(plan.source),
    targets: plan.targets.map(endpoint),
    patterns: plan.patternJson === undefined ? [] : [plan.patternJson],
    ...(plan.envelope ? { envelope: plan.envelope } : {}),
    ...(plan.orderKey ? { orderKey: plan.orderKey } : {}),
    extra: {
      order: plan.order,
      since: plan.since,
      until: plan.until,
      routes: targetPatterns.some((p) => p !== undefined) ? targetPatterns : undefined,
      shardMode: plan.shardMode,
    },
  });
}

/** The targets' own patterns (routes) as written in the pipeline, index-aligned with the targets. */
export function targetPatternsOf(targets: readonly unknown[] | undefined): unknown[] {
  return (targets ?? []).map((t) =>
    typeof t === "object" && t !== null ? (t as { pattern?: unknown }).pattern : undefined,
  );
}
