/**
 * The `s3` source's resume cursor, stored as JSON by the engine.
 *
 * `index` and `key` name the object (its place among the URL's objects in key order, and its key,
 * which must still be there on resume), `etag` the version read (a changed object is refused).
 * Inside the object: for NDJSON (and DynamoDB JSON) `offset` is the byte offset, in the
 * decompressed bytes, of the line after the batch and `line` its number: a plain object resumes
 * with a ranged GET from `offset`, a gzipped one is decompressed again and the bytes before
 * `offset` dropped. A JSON array cannot be entered mid-way, so `items` counts the elements
 * already read and a resume reads the object again and drops as many. `done` means the batch was
 * the object's last: a resume starts at the next object.
 *
 * @module
 */
import { PluginError } from "../../src/sdk/index.ts";

/** See the module note. */
export interface S3Cursor {
  v: 1;
  index: number;
  key: string;
  etag: string;
  gzip: boolean;
  format: "ndjson" | "array";
  offset: number;
  line: number;
  items: number;
  done: boolean;
}

/** Checks a cursor given back by the engine; anything else is refused with the reason. */
export function parseCursor(value: unknown): S3Cursor {
  const c = value as Partial<S3Cursor> | null;
  const ok =
    c !== null &&
    typeof c === "object" &&
    c.v === 1 &&
    Number.isInteger(c.index) &&
    typeof c.key === "string" &&
    typeof c.etag === "string" &&
    typeof c.gzip === "boolean" &&
    (c.format === "ndjson" || c.format === "array") &&
    Number.isInteger(c.offset) &&
    Number.isInteger(c.line) &&
    Number.isInteger(c.items) &&
    typeof c.done === "boolean";
  if (!ok)
    throw new PluginError(`not a cursor of the s3 source: ${JSON.stringify(value).slice(0, 200)}`, "resume");
  return c as S3Cursor;
}
