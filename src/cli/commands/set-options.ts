/**
 * `--set [<target>.]<key>=<value>`: plugin options from the command line, so a newcomer can
 * create a SQLite table without writing a pipeline file:
 *
 *     rehydrate run --from events.ndjson --to sqlite:out.db#orders --set createTable=true
 *
 * - `key=value` sets an option of the only target (with several targets, name one).
 * - `0.key=value`, `1.key=value`: the target at that place in `--to` / `targets:` order (from 0,
 *   as `targets[0]` in error messages).
 * - `source.key=value`: an option of the source.
 * - A dotted key (`mapping.table=orders`) sets a nested field.
 * - The value is JSON when it parses as JSON (`true`, `25`, `["a","b"]`), else the text as is.
 *
 * @module
 */
import { UsageError } from "clipanion";
import type { EndpointSpec, PipelineSpec } from "../../config/pipeline.ts";

/** One parsed `--set`. */
export interface SetOption {
  /** `source`, or the index of a target; undefined means "the only target". */
  endpoint: "source" | number | undefined;
  path: string[];
  value: unknown;
}

/** Parses one `--set` argument. */
export function parseSetOption(text: string): SetOption {
  const eq = text.indexOf("=");
  if (eq <= 0)
    throw new UsageError(`--set needs <key>=<value> (like createTable=true), got ${JSON.stringify(text)}`);
  const segments = text.slice(0, eq).split(".");
  let endpoint: SetOption["endpoint"];
  if (segments[0] === "source") endpoint = "source";
  else if (/^\d+$/.test(segments[0]!)) endpoint = Number(segments[0]);
  if (endpoint !== undefined) segments.shift();
  if (segments.length === 0 || segments.some((s) => s === ""))
    throw new UsageError(`--set ${text}: the key is empty (write [<n>.]<key>=<value>)`);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself (a table name, a path).
  }
  return { endpoint, path: segments, value };
}

function withOption(endpoint: EndpointSpec, path: string[], value: unknown): EndpointSpec {
  const object: Record<string, unknown> = typeof endpoint === "string" ? { uri: endpoint } : { ...endpoint };
  let node = object;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    node[key] = child !== null && typeof child === "object" && !Array.isArray(child) ? { ...child } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return object as EndpointSpec;
}

/** Applies every `--set` to the spec's source and targets (after flags and file are merged). */
export function applySetOptions(spec: PipelineSpec, sets: string[]): void {
  for (const text of sets) {
    const { endpoint, path, value } = parseSetOption(text);
    if (endpoint === "source") {
      if (spec.source === undefined) throw new UsageError(`--set ${text}: there is no source (give --from)`);
      spec.source = withOption(spec.source, path, value);
      continue;
    }
    const targets = spec.targets ?? [];
    if (targets.length === 0) throw new UsageError(`--set ${text}: there is no target (give --to)`);
    if (endpoint === undefined && targets.length > 1)
      throw new UsageError(
        `--set ${text}: there are ${targets.length} targets; say which, from 0: --set 0.${path.join(".")}=…`,
      );
    const index = endpoint ?? 0;
    if (index >= targets.length)
      throw new UsageError(
        `--set ${text}: there is no target ${index} (targets are 0 to ${targets.length - 1})`,
      );
    targets[index] = withOption(targets[index]!, path, value);
  }
}
