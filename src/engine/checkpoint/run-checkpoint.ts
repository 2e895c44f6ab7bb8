/**
 * Opens the checkpoint of a run from what the CLI or pipeline file says (`--checkpoint`,
 * `--resume`, `--restart`, `--force`): the store for the location, the run's identity, and the
 * stored checkpoint loaded and checked. Called after the plan is resolved and before the run.
 *
 * @module
 */
import type { AwsClientSettings, ShardAssignment } from "../../sdk/index.ts";
import { ConfigError } from "../../util/config-error.ts";
import { Checkpointer, type CheckpointMode, DEFAULT_CHECKPOINT_INTERVAL_MS } from "./checkpointer.ts";
import type { RunIdentity } from "./format.ts";
import { openCheckpointStore } from "./store.ts";

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
  /** Milliseconds between saves. @default DEFAULT_CHECKPOINT_INTERVAL_MS */
  intervalMs?: number;
}

/** The mode the flags ask for; `--resume` with `--restart` is a usage error. */
export function checkpointMode(settings: Pick<CheckpointSettings, "resume" | "restart">): CheckpointMode {
  if (settings.resume && settings.restart)
    throw new ConfigError("give --resume or --restart, not both", "--restart");
  if (settings.restart) return "restart";
  if (settings.resume === "auto") return "auto";
  if (settings.resume) return "resume";
  return "new";
}

/** Opens the store and the checkpointer of a run. Reads the stored checkpoint (I/O). */
export async function openRunCheckpoint(options: {
  settings: CheckpointSettings;
  identity: RunIdentity;
  targetNames: readonly string[];
  shard?: ShardAssignment;
  baseDir: string;
  aws: AwsClientSettings;
}): Promise<Checkpointer> {
  const { settings } = options;
  const store = await openCheckpointStore(settings.location, { baseDir: options.baseDir, aws: options.aws });
  return Checkpointer.open({
    store,
    identity: options.identity,
    mode: checkpointMode(settings),
    force: settings.force ?? false,
    intervalMs: settings.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    targetNames: options.targetNames,
    ...(options.shard ? { shard: options.shard } : {}),
  });
}
