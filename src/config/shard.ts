/**
 * `--shard`: which part of a split run this process reads.
 *
 * - `--shard i/N`: part i of N, **1-based** like Playwright's `--shard` (`1/4` … `4/4`).
 * - `--shard auto`: the index the engine running the process hands out, 0-based:
 *   `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs) or `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch
 *   array jobs), or `REHYDRATE_SHARD_INDEX` (0-based, for anything else). The count comes from
 *   `--shard-count`, `auto/N`, or `REHYDRATE_SHARD_COUNT` (neither Kubernetes nor AWS Batch puts
 *   the count in the environment).
 *
 * Internally a shard is 0-based ({@link ShardAssignment}); it is shown 1-based everywhere.
 *
 * @module
 */
import type { ConfigField, EventBridgeEvent, ShardAssignment } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";

/** Environment variables holding a 0-based shard index, in the order they are looked at. */
export const SHARD_INDEX_VARIABLES = [
  "JOB_COMPLETION_INDEX",
  "AWS_BATCH_JOB_ARRAY_INDEX",
  "REHYDRATE_SHARD_INDEX",
] as const;

/** The environment variable holding the shard count for `--shard auto`. */
export const SHARD_COUNT_VARIABLE = "REHYDRATE_SHARD_COUNT";

/** Most shards one run may be split into (AWS Batch's array size limit). */
export const MAX_SHARDS = 10_000;

/**
 * Parses a `--shard` value (or the pipeline key `shard`). `count` is `--shard-count` when given.
 * Throws a {@link ConfigError} naming `where` and saying what is wrong.
 */
export function parseShard(
  value: string,
  env: Record<string, string | undefined>,
  options: { count?: number; where?: string } = {},
): ShardAssignment {
  const where = options.where ?? "--shard";
  const text = value.trim();
  const auto = /^auto(?:\/(\d+))?$/.exec(text);
  if (auto) {
    const found = SHARD_INDEX_VARIABLES.find((name) => env[name] !== undefined && env[name] !== "");
    if (!found) {
      throw new ConfigError(
        `"auto" needs a shard index in the environment (${SHARD_INDEX_VARIABLES.join(", ")}; all 0-based)`,
        where,
      );
    }
    const index = wholeNumber(env[found]!, `${found}`, 0);
    const countText =
      auto[1] ?? (options.count === undefined ? env[SHARD_COUNT_VARIABLE] : String(options.count));
    if (countText === undefined || countText === "") {
      throw new ConfigError(
        `"auto" needs the shard count: --shard-count N, --shard auto/N, or ${SHARD_COUNT_VARIABLE}`,
        where,
      );
    }
    const count = wholeNumber(countText, "the shard count", 1);
    checkCount(count, where);
    if (index >= count) {
      throw new ConfigError(`${found}=${index} is not below the shard count ${count} (it is 0-based)`, where);
    }
    return { index, count };
  }
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) {
    throw new ConfigError(`expected i/N (1-based, e.g. 1/4) or auto, got ${JSON.stringify(value)}`, where);
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  checkCount(count, where);
  if (index < 1 || index > count) {
    throw new ConfigError(`shard ${index}/${count}: i must be between 1 and ${count} (1-based)`, where);
  }
  if (options.count !== undefined && options.count !== count) {
    throw new ConfigError(`--shard-count ${options.count} disagrees with ${text}`, where);
  }
  return { index: index - 1, count };
}

/** `i/N`, 1-based, for messages and reports. */
export function formatShard(shard: ShardAssignment): string {
  return `${shard.index + 1}/${shard.count}`;
}

/**
 * Divides the rate budgets of a plugin config among shards, so limits given for the whole run
 * (read capacity, target rate) hold for the run and not per process. A budget is a number field
 * whose name ends in `PerSecond` (`maxReadUnitsPerSecond`, `maxItemsPerSecond`, ...), the
 * convention every built-in follows. Returns a new config; others fields are kept.
 */
export function divideRateBudgets(
  config: Record<string, unknown>,
  fields: Record<string, ConfigField> | undefined,
  shards: number,
): { config: Record<string, unknown>; divided: string[] } {
  if (shards <= 1) return { config, divided: [] };
  const out = { ...config };
  const divided: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!/PerSecond$/.test(key) || typeof value !== "number") continue;
    const integer = fields?.[key]?.type === "integer";
    const share = value / shards;
    // An integer budget never drops to 0 (that would stall the shard): at least 1 per second.
    out[key] = integer ? Math.max(1, Math.floor(share)) : share;
    divided.push(`${key} ${value} → ${out[key]}`);
  }
  return { config: out, divided };
}

function wholeNumber(text: string, what: string, minimum: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < minimum) {
    throw new ConfigError(`${what} must be a whole number ≥ ${minimum}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function checkCount(count: number, where: string): void {
  if (count < 1 || count > MAX_SHARDS) {
    throw new ConfigError(`the shard count must be between 1 and ${MAX_SHARDS}, got ${count}`, where);
  }
}

/**
 * How a split run divides its events:
 * - `split`: the source reads a deterministic part (files by sorted path, DynamoDB Scan
 *   segments); one key's events may be in several parts;
 * - `key-aligned`: the source's parts keep every event of a key in one part;
 * - `key-hash`: every shard reads everything and keeps the events whose key hashes to it
 *   (reading costs N×; per-key order holds for any source).
 */
export type ShardMode = "split" | "key-aligned" | "key-hash";

/**
 * Chooses the shard mode from what the source can do, the run's order key and what the user
 * asked for (`--shard-mode`), or throws a {@link ConfigError} explaining the choice to make.
 * A run with an order key on a split that is not key-aligned is refused unless the user says
 * the order does not matter (`--shard-mode split`, e.g. for a version-guarded store).
 */
export function chooseShardMode(options: {
  sourceName: string;
  sharding: "none" | "split" | "key-aligned" | undefined;
  orderKey: string | undefined;
  requested: ShardMode | undefined;
}): ShardMode {
  const sharding = options.sharding ?? "none";
  const requested = options.requested;
  if (requested === "key-hash") return "key-hash";
  if (requested === "key-aligned" && sharding !== "key-aligned") {
    throw new ConfigError(
      `source ${options.sourceName} does not split by key (its split: ${sharding}); use --shard-mode key-hash`,
      "--shard-mode",
    );
  }
  if (sharding === "none") {
    if (requested === "split") {
      throw new ConfigError(
        `source ${options.sourceName} cannot split its read; use --shard-mode key-hash`,
        "--shard-mode",
      );
    }
    // Any source can be split by key hash: every shard reads everything.
    return "key-hash";
  }
  if (sharding === "key-aligned") return "key-aligned";
  if (options.orderKey !== undefined && requested !== "split") {
    throw new ConfigError(
      `source ${options.sourceName} splits so that one key's events may land in several shards, which breaks the order of --order-key ${options.orderKey}: give --shard-mode key-hash (every shard reads everything and keeps its keys' events, in order) or --shard-mode split if the order does not matter (e.g. a version-guarded store)`,
      "--shard",
    );
  }
  return "split";
}

/**
 * Whether the event with this key belongs to `shard` in the key-hash mode: FNV-1a (32-bit) of
 * the key's UTF-16 code units, modulo the shard count. Stable across processes and versions
 * (it decides which shard owns which key, so it must never change).
 */
export function ownsKey(key: string, shard: ShardAssignment): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shard.count === shard.index;
}

/**
 * The key-hash mode's filter: an event matches only when it matches `selection` and its key
 * (`keyOf`: the order key, or the event id) belongs to `shard`. Returns `selection` itself when
 * `shard` is undefined (not in the key-hash mode).
 */
export function ownKeysOnly<S extends { matches(event: EventBridgeEvent): boolean }>(
  selection: S,
  shard: ShardAssignment | undefined,
  keyOf: (event: EventBridgeEvent) => unknown,
): S {
  if (!shard || shard.count <= 1) return selection;
  const inner = selection.matches.bind(selection);
  // `everyEvent` (a selection that never looks at events) no longer holds: the key check does.
  const { everyEvent: _, ...rest } = selection as S & { everyEvent?: number };
  return {
    ...rest,
    matches: (event: EventBridgeEvent) => inner(event) && ownsKey(keyText(keyOf(event)), shard),
  } as unknown as S;
}

/** A key as text, the way the engine writes order keys (objects as JSON). */
function keyText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The shard settings of a pipeline (file keys `shard`, `shardCount`, `shardMode`, or flags). */
export interface ShardSpec {
  /** `i/N` (1-based), `auto` or `auto/N`. */
  shard?: string;
  shardCount?: number;
  shardMode?: ShardMode;
}

const SHARD_MODES: readonly ShardMode[] = ["split", "key-aligned", "key-hash"];

/** Reads the shard keys of a pipeline file; throws a ConfigError naming the key. */
export function readShardKeys(raw: Record<string, unknown>, path: string): ShardSpec {
  const out: ShardSpec = {};
  if (raw.shard !== undefined) {
    if (typeof raw.shard !== "string")
      throw new ConfigError(`"shard" must be a string: "2/4" or "auto"`, path);
    out.shard = raw.shard;
  }
  if (raw.shardCount !== undefined) {
    if (!Number.isInteger(raw.shardCount) || (raw.shardCount as number) < 1)
      throw new ConfigError(`"shardCount" must be an integer ≥ 1`, path);
    out.shardCount = raw.shardCount as number;
  }
  if (raw.shardMode !== undefined) out.shardMode = shardModeOf(raw.shardMode, `${path}: shardMode`);
  return out;
}

/** Checks a `--shard-mode` / `shardMode` value. */
export function shardModeOf(value: unknown, where: string): ShardMode {
  if (typeof value === "string" && (SHARD_MODES as readonly string[]).includes(value))
    return value as ShardMode;
  throw new ConfigError(`must be one of ${SHARD_MODES.join(", ")}, got ${JSON.stringify(value)}`, where);
}

/** What {@link applyShard} changes in a plan. */
interface ShardablePlan {
  source: {
    config: Record<string, unknown>;
    registered: { plugin: { config: { fields: Record<string, ConfigField> } } };
  };
  targets: Array<{
    config: Record<string, unknown>;
    registered: { plugin: { config: { fields: Record<string, ConfigField> } } };
  }>;
  shard?: ShardAssignment;
  shardMode?: ShardMode;
  reportPath?: string;
  failedPath?: string;
}

/**
 * Applies the shard settings to a resolved plan: the shard (parsed, 0-based), the requested
 * mode, rate budgets divided among the shards, and `{shard}` in the report and failed-events
 * paths replaced by `i-of-N` (so each shard writes its own files). Returns the same plan.
 */
export function applyShard<P extends ShardablePlan>(
  plan: P,
  spec: ShardSpec,
  env: Record<string, string | undefined>,
  where: string,
): P {
  if (spec.shardMode !== undefined) plan.shardMode = spec.shardMode;
  if (spec.shard === undefined) {
    if (spec.shardCount !== undefined) throw new ConfigError("--shard-count needs --shard auto", where);
    if (spec.shardMode !== undefined) throw new ConfigError("--shard-mode needs --shard", where);
    // An unsplit run is the one shard of one: the same pipeline file works with and without --shard.
    if (plan.reportPath) plan.reportPath = plan.reportPath.replaceAll("{shard}", "1-of-1");
    if (plan.failedPath) plan.failedPath = plan.failedPath.replaceAll("{shard}", "1-of-1");
    return plan;
  }
  const shard = parseShard(spec.shard, env, {
    ...(spec.shardCount !== undefined ? { count: spec.shardCount } : {}),
    where: `${where}: shard`,
  });
  plan.shard = shard;
  const endpoints = [plan.source, ...plan.targets];
  for (const endpoint of endpoints) {
    endpoint.config = divideRateBudgets(
      endpoint.config,
      endpoint.registered.plugin.config.fields,
      shard.count,
    ).config;
  }
  const tag = shardTag(shard);
  if (plan.reportPath) plan.reportPath = plan.reportPath.replaceAll("{shard}", tag);
  if (plan.failedPath) plan.failedPath = plan.failedPath.replaceAll("{shard}", tag);
  return plan;
}

/** `i-of-N` (1-based): what `{shard}` becomes in paths and checkpoint locations. */
export function shardTag(shard: ShardAssignment): string {
  return `${shard.index + 1}-of-${shard.count}`;
}
