/**
 * `s3://bucket/key-or-glob` → what to list and which keys to keep.
 *
 * @module
 */
import { PluginError } from "../../src/sdk/index.ts";

/** Glob characters, the same set the file source treats as a glob. */
const GLOB_CHARS = /[*?[\]{}]/;

/** What an `s3://` URL selects. */
export interface S3Selection {
  bucket: string;
  /** The literal part of the key: ListObjectsV2's `Prefix`. */
  prefix: string;
  /**
   * How keys under `prefix` are chosen: `glob` (the rest of the URL, matched against the key
   * with `prefix` removed), `exact-or-folder` (the key itself if such an object exists, else
   * everything under `key/`), or `folder` (everything under a prefix ending in `/`).
   */
  mode: "glob" | "exact-or-folder" | "folder";
  /** The glob (for `glob`), e.g. `**\/*.gz`. */
  glob?: string;
}

/**
 * Parses `s3://bucket/prefix/…`. The key part uses the local file source's glob syntax
 * (`*`, `**`, `?`, `[…]`, `{a,b}`): the folders before the first segment holding a glob
 * character are the listing prefix, the rest is matched against each listed key.
 */
export function parseS3Url(url: string): S3Selection {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new PluginError("expected s3://<bucket>/<prefix or glob>", url);
  const bucket = match[1]!;
  const key = match[2] ?? "";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new PluginError(`"${bucket}" is not a valid bucket name`, url);
  }
  if (!GLOB_CHARS.test(key)) {
    if (key === "" || key.endsWith("/")) return { bucket, prefix: key, mode: "folder" };
    return { bucket, prefix: key, mode: "exact-or-folder" };
  }
  const segments = key.split("/");
  let literal = 0;
  while (literal < segments.length - 1 && !GLOB_CHARS.test(segments[literal]!)) literal++;
  const prefix = segments
    .slice(0, literal)
    .map((s) => `${s}/`)
    .join("");
  return { bucket, prefix, mode: "glob", glob: segments.slice(literal).join("/") };
}

/** The display name of an object in positions and logs: `s3://bucket/key`. */
export function objectName(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
