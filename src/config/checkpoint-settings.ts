/**
 * The checkpoint settings of a run as the pipeline file and flags give them; reading them is
 * configuration (no I/O). Opening the store and the checkpointer is the engine's
 * (`src/engine/checkpoint/run-checkpoint.ts`).
 *
 * @module
 */
import { ConfigError } from "../util/config-error.ts";

/** The checkpoint settings of a run, as given by flags or the pipeline file. */
export interface CheckpointSettings {
  /** `--checkpoint <file | dynamodb://table/id>`. */
  location: string;
  /** `--resume` (true), `--resume=auto` ("auto"). */
  resume?: boolean | "auto";
  /** `--restart`. */
  restart?: boolean;
  /** `--force`: resume even with another configuration. */
  force?: boolean;
  /** Milliseconds between saves. @default 5000 */
  intervalMs?: number;
}

/**
 * Reads the checkpoint keys of a pipeline file: `checkpoint: <file | dynamodb://table/id>` or
 * `checkpoint: { location, intervalSeconds }`, and `resume: true | auto`. Throws a ConfigError
 * naming the key.
 */
export function readCheckpointKeys(
  raw: Record<string, unknown>,
  path: string,
): { checkpoint?: CheckpointSettings } {
  const value = raw.checkpoint;
  const resume = raw.resume;
  if (value === undefined) {
    if (resume !== undefined) throw new ConfigError(`"resume" needs "checkpoint"`, path);
    return {};
  }
  let settings: CheckpointSettings;
  if (typeof value === "string") settings = { location: value };
  else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const { location, intervalSeconds, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      throw new ConfigError(
        `unknown key "checkpoint.${unknown[0]}" (known: location, intervalSeconds)`,
        path,
      );
    if (typeof location !== "string" || location === "")
      throw new ConfigError(`"checkpoint.location" must be a file path or dynamodb://<table>/<id>`, path);
    settings = { location };
    if (intervalSeconds !== undefined) {
      if (typeof intervalSeconds !== "number" || !(intervalSeconds > 0))
        throw new ConfigError(`"checkpoint.intervalSeconds" must be a number > 0`, path);
      settings.intervalMs = Math.round(intervalSeconds * 1000);
    }
  } else {
    throw new ConfigError(
      `"checkpoint" must be a file path, dynamodb://<table>/<id>, or { location, intervalSeconds }`,
      path,
    );
  }
  if (resume !== undefined) {
    if (resume !== true && resume !== false && resume !== "auto")
      throw new ConfigError(`"resume" must be true, false or "auto"`, path);
    settings.resume = resume;
  }
  return { checkpoint: settings };
}
