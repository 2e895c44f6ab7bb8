/**
 * Where checkpoints live: a local file, or a DynamoDB item for runs whose containers keep no
 * disk. Both refuse a save from a run that no longer owns the checkpoint (another run saved
 * since this one loaded it), so two runs can never advance one checkpoint in turn.
 *
 * @module
 */
import type { AwsClientSettings } from "../../sdk/index.ts";
import type { CheckpointDocument } from "./format.ts";

/** A place one checkpoint is kept. */
export interface CheckpointStore {
  /** The location as the user wrote it, credentials removed: for messages and the report. */
  readonly location: string;
  /** Reads the checkpoint, or `undefined` when there is none yet. Remembers its `rev`. */
  load(): Promise<CheckpointDocument | undefined>;
  /**
   * Stores `doc` durably (it survives a crash or power loss once this resolves). Fails with a
   * {@link CheckpointOwnershipError} when the stored `rev` is not the one this store last loaded
   * or saved: another run has written it meanwhile.
   */
  save(doc: CheckpointDocument): Promise<void>;
  /** Releases connections (the DynamoDB client's sockets). */
  close?(): void;
}

/** Another run wrote the checkpoint since this run loaded it. */
export class CheckpointOwnershipError extends Error {
  constructor(location: string, detail: string) {
    super(
      `${location}: another run has written this checkpoint since this run loaded it (${detail}); two runs cannot share one checkpoint — give each shard its own`,
    );
    this.name = "CheckpointOwnershipError";
  }
}

/** `dynamodb://<table>/<id>` → table and id; `undefined` for anything else (a file path). */
export function parseDynamoDbLocation(location: string): { table: string; id: string } | undefined {
  const match = /^dynamodb:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) {
    if (location.startsWith("dynamodb:"))
      throw new Error(`${location}: a DynamoDB checkpoint is written dynamodb://<table>/<id>`);
    return undefined;
  }
  return { table: decodeURIComponent(match[1]!), id: decodeURIComponent(match[2]!) };
}

/**
 * Opens the store for a `--checkpoint` location: `dynamodb://<table>/<id>` or a file path
 * (relative to `baseDir`). Nothing is read or written yet.
 */
export async function openCheckpointStore(
  location: string,
  options: { baseDir: string; aws: AwsClientSettings },
): Promise<CheckpointStore> {
  const dynamo = parseDynamoDbLocation(location);
  if (dynamo) {
    const { DynamoDbCheckpointStore } = await import("./dynamodb-store.ts");
    return new DynamoDbCheckpointStore(dynamo.table, dynamo.id, options.aws);
  }
  const { resolve } = await import("node:path");
  const { FileCheckpointStore } = await import("./file-store.ts");
  return new FileCheckpointStore(resolve(options.baseDir, location));
}
