/**
 * Opens the checkpoint of a run from what the CLI or pipeline file says (`--checkpoint`,
 * `--resume`, `--restart`, `--force`): the store for the location, the run's identity, and the
 * stored checkpoint loaded and checked. Called after the plan is resolved and before the run.
 *
 * @module
 */
import { resolve } from "node:path";
import type { CheckpointSettings } from "../../config/checkpoint-settings.ts";
import { shardModeOf } from "../../config/shard.ts";
import type { ShardMode } from "../../report/run-report.ts";
import type { AwsClientSettings, ShardAssignment } from "../../sdk/index.ts";
import { ConfigError } from "../../util/config-error.ts";
import { Checkpointer, type CheckpointMode, DEFAULT_CHECKPOINT_INTERVAL_MS } from "./checkpointer.ts";
import type { RunIdentity } from "./format.ts";
import { openCheckpointStore, parseDynamoDbLocation } from "./store.ts";

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

/**
 * Opens the checkpoint a spec asks for and hangs it on the plan (as its `checkpoint` hook, with
 * the failed-events file appended to when resuming). `{shard}` in the location becomes the
 * shard's `i-of-N`; a split run whose location lacks it gets `-shard-i-of-N` appended, so
 * shards never share a checkpoint. A dry run keeps none. Throws a ConfigError the CLI shows
 * on one line (exit 2).
 */
export async function attachCheckpoint(
  plan: {
    checkpoint?: unknown;
    appendFailed?: boolean;
    dryRun: boolean;
    shard?: ShardAssignment;
    baseDir: string;
    aws: AwsClientSettings;
    targets: Array<{ name: string }>;
  },
  settings: CheckpointSettings | undefined,
  identity: RunIdentity,
): Promise<Checkpointer | undefined> {
  if (!settings || plan.dryRun) return undefined;
  let location = settings.location;
  if (plan.shard) {
    const tag = `${plan.shard.index + 1}-of-${plan.shard.count}`;
    location = location.includes("{shard}")
      ? location.replaceAll("{shard}", tag)
      : `${location}-shard-${tag}`;
  } else {
    location = location.replaceAll("{shard}", "1-of-1");
  }
  let checkpointer: Checkpointer;
  try {
    checkpointer = await openRunCheckpoint({
      settings: { ...settings, location },
      identity,
      targetNames: plan.targets.map((t) => t.name),
      ...(plan.shard ? { shard: plan.shard } : {}),
      baseDir: plan.baseDir,
      aws: plan.aws,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // A store that cannot be read (no table, not a checkpoint): the user can act on it.
    throw new ConfigError((error as Error).message, "--checkpoint");
  }
  plan.checkpoint = checkpointer;
  plan.appendFailed = checkpointer.resumePoint !== undefined;
  return checkpointer;
}

/** The `run` flags of checkpoints and shards, as clipanion gives them. */
export interface ResumeFlags {
  checkpoint?: string | undefined;
  resume?: string | boolean | undefined;
  restart?: boolean | undefined;
  force?: boolean | undefined;
  checkpointInterval?: string | undefined;
  shard?: string | undefined;
  shardCount?: string | undefined;
  shardMode?: string | undefined;
}

/**
 * Lays the checkpoint and shard flags over the pipeline file's keys. A `--checkpoint` path is
 * relative to the working directory (the file's `checkpoint` to the file's folder).
 */
export function applyResumeFlags(
  spec: {
    checkpoint?: CheckpointSettings;
    shard?: string;
    shardCount?: number;
    shardMode?: ShardMode;
  },
  flags: ResumeFlags,
): void {
  let settings = spec.checkpoint;
  if (flags.checkpoint !== undefined) {
    const location = parseDynamoDbLocation(flags.checkpoint) ? flags.checkpoint : resolve(flags.checkpoint);
    settings = { ...settings, location };
  }
  const resume =
    flags.resume === undefined
      ? undefined
      : flags.resume === true || flags.resume === "true"
        ? true
        : flags.resume;
  if (resume !== undefined && resume !== true && resume !== "auto")
    throw new ConfigError(`expected --resume or --resume=auto, got --resume=${resume}`, "--resume");
  if (!settings) {
    for (const [flag, given] of [
      ["--resume", resume],
      ["--restart", flags.restart],
      ["--force", flags.force],
      ["--checkpoint-interval", flags.checkpointInterval],
    ] as const) {
      if (given !== undefined && given !== false)
        throw new ConfigError(`${flag} needs --checkpoint <file | dynamodb://table/id>`, flag);
    }
  } else {
    if (resume !== undefined) settings.resume = resume;
    if (flags.restart !== undefined) settings.restart = flags.restart;
    if (flags.force !== undefined) settings.force = flags.force;
    if (flags.checkpointInterval !== undefined) {
      const seconds = Number(flags.checkpointInterval);
      if (!(seconds > 0))
        throw new ConfigError(
          `must be a number of seconds > 0, got ${JSON.stringify(flags.checkpointInterval)}`,
          "--checkpoint-interval",
        );
      settings.intervalMs = Math.round(seconds * 1000);
    }
    checkpointMode(settings);
    spec.checkpoint = settings;
  }
  if (flags.shard !== undefined) spec.shard = flags.shard;
  if (flags.shardCount !== undefined) {
    const count = Number(flags.shardCount);
    if (!Number.isInteger(count) || count < 1)
      throw new ConfigError(
        `must be a whole number ≥ 1, got ${JSON.stringify(flags.shardCount)}`,
        "--shard-count",
      );
    spec.shardCount = count;
  }
  if (flags.shardMode !== undefined) spec.shardMode = shardModeOf(flags.shardMode, "--shard-mode");
}
