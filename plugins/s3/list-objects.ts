/**
 * Listing the objects an `s3://` URL selects, page by page, in key order.
 *
 * ListObjectsV2 returns keys in UTF-8 binary order, which is the order the source reads them in
 * (for Firehose's `YYYY/MM/DD/HH/` layout that is time order). The listing is streamed, never
 * held whole, so memory does not grow with the number of objects; since the order is then the
 * server's, a key out of order is an error instead of a silent reorder.
 *
 * @module
 */
import type { Host } from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { loadS3Sdk, type S3Send } from "./client.ts";
import { type RetryCounts, withRetries } from "./retrying.ts";
import { objectName, type S3Selection } from "./s3-url.ts";

/** One listed object. */
export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

/** Compares keys by their UTF-8 bytes (S3's listing order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every object under `prefix`, in key order; keys ending in `/` (folder markers) are left out. */
export async function* listPrefix(
  client: S3Send,
  host: Host,
  counts: RetryCounts,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  pageSize?: number,
): AsyncGenerator<ListedObject> {
  const { ListObjectsV2Command } = await loadS3Sdk();
  const where = `ListObjectsV2 ${objectName(bucket, prefix)}`;
  let token: string | undefined;
  let previous: string | undefined;
  do {
    if (signal.aborted) return;
    const page = await withRetries(
      host,
      counts,
      where,
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
            ...(pageSize ? { MaxKeys: pageSize } : {}),
          }),
          { abortSignal: signal },
        ),
      (error) => {
        const info = host.helpers.classifyAwsError(error);
        if (info.code === "NoSuchBucket" || info.status === 404) {
          return new PluginError(`no such bucket "${bucket}"`, objectName(bucket, prefix));
        }
        return undefined;
      },
      signal,
    );
    if (signal.aborted) return;
    for (const entry of page.Contents ?? []) {
      const key = entry.Key;
      if (key === undefined || key.endsWith("/")) continue;
      if (previous !== undefined && compareKeys(previous, key) >= 0) {
        throw new PluginError(`the server listed "${key}" after "${previous}", not in key order`, where);
      }
      previous = key;
      yield { key, etag: entry.ETag ?? "", size: entry.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * The objects `selection` names, in key order: a glob's matches under its prefix; an exact key
 * (or, when no object has that key, everything under `key/`); everything under a folder.
 */
export async function* listSelection(
  client: S3Send,
  host: Host,
  counts: RetryCounts,
  selection: S3Selection,
  signal: AbortSignal,
  pageSize?: number,
): AsyncGenerator<ListedObject> {
  const { bucket, prefix } = selection;
  if (selection.mode === "glob") {
    const glob = new Bun.Glob(selection.glob!);
    for await (const object of listPrefix(client, host, counts, bucket, prefix, signal, pageSize)) {
      if (glob.match(object.key.slice(prefix.length))) yield object;
    }
    return;
  }
  if (selection.mode === "folder") {
    yield* listPrefix(client, host, counts, bucket, prefix, signal, pageSize);
    return;
  }
  // `s3://b/a/b`: the object `a/b` if it exists, else the folder `a/b/`. The listing of prefix
  // `a/b` starts with `a/b` itself when it exists (it sorts before anything longer).
  let exact: ListedObject | undefined;
  for await (const object of listPrefix(client, host, counts, bucket, prefix, signal, 1)) {
    if (object.key === prefix) exact = object;
    break;
  }
  if (exact) {
    yield exact;
    return;
  }
  yield* listPrefix(client, host, counts, bucket, `${prefix}/`, signal, pageSize);
}
