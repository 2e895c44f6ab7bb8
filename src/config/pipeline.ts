import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, parse as parseYaml } from "yaml";
import type { ShardMode } from "../report/run-report.ts";
import { parseRulesKey, type RoutingNotes, type RulesSpec } from "../routes/rules-option.ts";
import { ConfigError } from "../util/config-error.ts";
import { didYouMean } from "../util/suggest.ts";
import { type CheckpointSettings, readCheckpointKeys } from "./checkpoint-settings.ts";
import { substituteEnv } from "./env-substitution.ts";
import { PIPELINE_KEYS } from "./schema.ts";
import { readShardKeys } from "./shard.ts";

/** A source or target as written: a URI, or an object with `uri`/`plugin` plus plugin options. */
export type EndpointSpec =
  | string
  | { uri?: string; plugin?: string; name?: string; [option: string]: unknown };

/** The envelope mapping config (see src/envelope/mapping.ts). */
export type EnvelopeSpec = Record<string, unknown>;

/**
 * Everything a run needs, as written in a pipeline file and/or on the command line. Flags win
 * over the file; `origin` records where each endpoint and the patterns came from so errors
 * can point there.
 */
export interface PipelineSpec {
  source?: EndpointSpec;
  targets?: EndpointSpec[];
  patterns?: unknown[];
  envelope?: EnvelopeSpec;
  /** A deployed rule whose pattern is ORed with `patterns`. */
  rule?: string;
  /** The event bus of `rule`. */
  bus?: string;
  /** `<file>#<LogicalId>` of a CloudFormation/SAM rule whose pattern is ORed with `patterns`. */
  template?: string;
  /** Routes from a bus's or a template's rules (`rules:` / `--rules`), see src/routes/rules-option.ts. */
  rules?: RulesSpec;
  /** What the routes of `rules` left out (set when they are loaded), for the dry run and the report. */
  routing?: RoutingNotes;
  orderKey?: string;
  /** `global`, `key` (the default: storage targets per row key) or a JSON path. */
  order?: string;
  /** Events before this time (ISO 8601) are not matched. */
  since?: string;
  /** Events at or after this time (ISO 8601) are not matched. */
  until?: string;
  concurrency?: number;
  limit?: number;
  dryRun?: boolean;
  skipInvalid?: boolean;
  report?: string;
  failed?: string;
  pluginDir?: string;
  progress?: boolean;
  aws?: { region?: string; profile?: string };
  /** Retry settings for retryable item failures; unset fields keep the defaults. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** `checkpoint` and `resume` (docs/resume.md). */
  checkpoint?: CheckpointSettings;
  /** `shard` (`i/N`, `auto`), `shardCount`, `shardMode` (docs/shards.md). */
  shard?: string;
  shardCount?: number;
  shardMode?: ShardMode;
  /** Folder that relative paths in the spec resolve against (the pipeline file's, or the cwd). */
  baseDir: string;
  /** Overrides `baseDir` for the source's paths (a `--from` flag is relative to the cwd). */
  sourceBaseDir?: string;
  /** Overrides `baseDir` for the targets' paths (`--to` flags are relative to the cwd). */
  targetsBaseDir?: string;
  /** The pipeline file, when there is one (for error messages). */
  file?: string;
}

/** Reads a pipeline file (YAML or JSON), substitutes `${env:NAME}`, and checks its keys. */
export function loadPipelineFile(path: string, env: Record<string, string | undefined>): PipelineSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the pipeline file: ${(error as Error).message}`, path);
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The library's message ends with a code frame on more lines: keep its first line (it has the position).
    const message = ((error as Error).message.split("\n")[0] ?? "").replace(/:$/, "");
    // `- uri: stdout:` (the colon of a URI at the end of a line) is read as a nested key.
    const compact = /Nested mappings are not allowed in compact mappings/.test(message)
      ? ` — a value ending in ":" (like stdout:) reads as a key: quote it, as in uri: "stdout:"`
      : "";
    throw new ConfigError(`not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${message}${compact}`, path);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("a pipeline file must hold an object (source, targets, pattern, ...)", path);
  }
  let raw: Record<string, unknown>;
  try {
    raw = substituteEnv(parsed, env, path) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof RangeError)
      throw new ConfigError("the pipeline file is nested too deeply to be a pipeline", path);
    throw error;
  }
  const unknown = unknownKeys(text, raw, path);
  if (unknown) throw new ConfigError(unknown);
  const spec: PipelineSpec = { baseDir: dirname(file), file: path };
  const expect = (key: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(`"${key}" must be ${what}`, path);
  };
  const str = (key: string) => raw[key] === undefined || typeof raw[key] === "string";
  const bool = (key: string) => raw[key] === undefined || typeof raw[key] === "boolean";
  const int = (key: string, min: number) =>
    raw[key] === undefined || (Number.isInteger(raw[key]) && (raw[key] as number) >= min);
  const endpoint = (value: unknown) =>
    typeof value === "string" || (value !== null && typeof value === "object" && !Array.isArray(value));

  if (raw.source !== undefined) {
    expect("source", endpoint(raw.source), "a URI string or an object");
    spec.source = raw.source as EndpointSpec;
  }
  if (raw.targets !== undefined) {
    expect("targets", Array.isArray(raw.targets) && raw.targets.length > 0, "a non-empty list");
    for (const [i, t] of (raw.targets as unknown[]).entries()) {
      expect(`targets[${i}]`, endpoint(t), "a URI string or an object");
    }
    spec.targets = raw.targets as EndpointSpec[];
  }
  if (raw.pattern !== undefined) spec.patterns = Array.isArray(raw.pattern) ? raw.pattern : [raw.pattern];
  if (raw.envelope !== undefined) {
    expect("envelope", endpoint(raw.envelope) && typeof raw.envelope !== "string", "an object");
    spec.envelope = raw.envelope as EnvelopeSpec;
  }
  for (const key of [
    "orderKey",
    "order",
    "since",
    "until",
    "report",
    "failed",
    "pluginDir",
    "rule",
    "bus",
    "template",
  ] as const) {
    expect(key, str(key), "a string");
    if (raw[key] !== undefined) spec[key] = raw[key] as string;
  }
  for (const key of ["dryRun", "skipInvalid", "progress"] as const) {
    expect(key, bool(key), "true or false");
    if (raw[key] !== undefined) spec[key] = raw[key] as boolean;
  }
  expect("concurrency", int("concurrency", 1), "an integer ≥ 1");
  expect("limit", int("limit", 0), "an integer ≥ 0");
  if (spec.template !== undefined) spec.template = resolve(spec.baseDir, spec.template);
  if (raw.rules !== undefined) spec.rules = parseRulesKey(raw.rules, path, spec.baseDir);
  if (raw.concurrency !== undefined) spec.concurrency = raw.concurrency as number;
  if (raw.limit !== undefined) spec.limit = raw.limit as number;
  if (raw.aws !== undefined) {
    const aws = raw.aws as Record<string, unknown>;
    expect("aws", endpoint(aws) && typeof aws !== "string", "an object with region and/or profile");
    for (const key of Object.keys(aws)) {
      if (key !== "region" && key !== "profile")
        throw new ConfigError(`unknown key "aws.${key}" (known: region, profile)`, path);
      if (typeof aws[key] !== "string") throw new ConfigError(`"aws.${key}" must be a string`, path);
    }
    spec.aws = aws as { region?: string; profile?: string };
  }
  if (raw.retry !== undefined) {
    const retry = raw.retry as Record<string, unknown>;
    expect(
      "retry",
      endpoint(retry) && typeof retry !== "string",
      "an object with maxAttempts, baseDelayMs, maxDelayMs",
    );
    const minimums: Record<string, number> = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
    for (const [key, value] of Object.entries(retry)) {
      const minimum = minimums[key];
      if (minimum === undefined)
        throw new ConfigError(
          `unknown key "retry.${key}" (known: ${Object.keys(minimums).join(", ")})`,
          path,
        );
      if (!Number.isInteger(value) || (value as number) < minimum)
        throw new ConfigError(`"retry.${key}" must be an integer ≥ ${minimum}`, path);
    }
    spec.retry = retry as PipelineSpec["retry"];
  }
  Object.assign(spec, readShardKeys(raw, path), readCheckpointKeys(raw, path));
  return spec;
}

/** Known keys of the nested objects of a pipeline file. */
const NESTED_KEYS: Record<string, string[]> = {
  aws: ["region", "profile"],
  retry: ["maxAttempts", "baseDelayMs", "maxDelayMs"],
};

/**
 * Every unknown key of the file at once, each as `file:line:column: unknown key "patern" (did
 * you mean "pattern"?)`, or undefined when all are known. Positions come from parsing the text
 * again as a YAML document (JSON is YAML too), so JSON files get them as well.
 */
function unknownKeys(text: string, raw: Record<string, unknown>, path: string): string | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const positions = new Map<string, string>();
  const visit = (node: unknown, prefix: string) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const key = `${prefix}${String(pair.key.value)}`;
      const { line, col } = lineCounter.linePos(pair.key.range[0]);
      positions.set(key, `${path}:${line}:${col}`);
      if (prefix === "" && NESTED_KEYS[key]) visit(pair.value, `${key}.`);
    }
  };
  visit(doc.contents, "");
  const known = PIPELINE_KEYS.filter((k) => k !== "$schema");
  const problems: string[] = [];
  const check = (key: string, candidates: string[], prefix: string) => {
    if (candidates.includes(key)) return;
    const where = positions.get(`${prefix}${key}`) ?? path;
    problems.push(
      `${where}: unknown key "${prefix}${key}"${didYouMean(key, candidates)} (known: ${candidates.join(", ")})`,
    );
  };
  for (const key of Object.keys(raw)) if (key !== "$schema") check(key, known, "");
  for (const [parent, keys] of Object.entries(NESTED_KEYS)) {
    const value = raw[parent];
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      for (const key of Object.keys(value)) check(key, keys, `${parent}.`);
  }
  if (problems.length === 0) return undefined;
  const lineOf = (problem: string) => Number(/:(\d+):\d+: /.exec(problem)?.[1] ?? 0);
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  // The known list once, at the end, not on every line.
  if (problems.length === 1) return problems[0]!;
  return `${problems.length} unknown keys:\n  ${problems.map((p) => p.replace(/ \(known: [^)]*\)$/, "")).join("\n  ")}\n  known keys: ${known.join(", ")}`;
}
