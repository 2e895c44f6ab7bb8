/**
 * Resume cursors of the `dynamodb` source, stored in checkpoints as JSON:
 *
 * - Scan: `TotalSegments` (fixed for the life of the checkpoint) and, per segment, where it
 *   stands — not started (`null`), the `LastEvaluatedKey` of its last page taken, or `"done"`.
 *   Segments are independent sub-streams, so each keeps its own frontier: a batch's cursor is
 *   the state of every segment after that batch, and pages are taken whole.
 * - Query: the `LastEvaluatedKey` of the last page taken (`null` before the first), or done.
 * - Sorted Scan (`sortBy`): the sort tuple and position (the table key, a total tiebreak) of
 *   the last record taken. A resume reads and sorts the table again and skips up to it.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { type JsonValue, PluginError } from "../../src/sdk/index.ts";
import { compareJsonValues } from "./sort-compare.ts";

/** A DynamoDB key as it travels in `ExclusiveStartKey`/`LastEvaluatedKey` (plain JSON). */
export type StoredKey = Record<string, AttributeValue>;

/** One Scan segment's progress. */
export type SegmentState = null | "done" | StoredKey;

/** The cursor of a Scan. */
export type ScanCursor = { v: 1; kind: "scan"; segments: number; state: SegmentState[] };
/** The cursor of a Query. */
export type QueryCursor = { v: 1; kind: "query"; last: StoredKey | null; done: boolean };
/** The cursor of a sorted Scan. */
export type SortedCursor = { v: 1; kind: "sorted"; tuple: JsonValue[]; position: string };

/** Any cursor of the source. */
export type DynamoDbCursor = ScanCursor | QueryCursor | SortedCursor;

/** Checks a stored cursor is one this read can continue; throws a PluginError saying why not. */
export function parseCursor(
  value: JsonValue,
  expected: { kind: DynamoDbCursor["kind"]; segments: number },
): DynamoDbCursor {
  const cursor = value as DynamoDbCursor | null;
  if (cursor === null || typeof cursor !== "object" || cursor.v !== 1) {
    throw new PluginError("the checkpoint's cursor is not a dynamodb source cursor", "dynamodb source");
  }
  if (cursor.kind !== expected.kind) {
    throw new PluginError(
      `the checkpoint was written by a ${cursor.kind} and this run is a ${expected.kind}; use --restart`,
      "dynamodb source",
    );
  }
  if (
    cursor.kind === "scan" &&
    (cursor.segments !== expected.segments || cursor.state.length !== cursor.segments)
  ) {
    throw new PluginError(
      `the checkpoint was written with ${cursor.segments} segments and this run has ${expected.segments}: TotalSegments must stay fixed for a checkpoint's life; use --restart`,
      "segments",
    );
  }
  return cursor;
}

/** The Scan segments shard `index` of `count` reads: segment j to shard j mod N. */
export function segmentsOf(total: number, shard: { index: number; count: number } | undefined): number[] {
  const all = Array.from({ length: total }, (_, j) => j);
  if (!shard || shard.count <= 1) return all;
  if (total < shard.count) {
    throw new PluginError(
      `segments (${total}) must be at least the shard count (${shard.count}) so every shard reads one; a multiple of it balances them`,
      "segments",
    );
  }
  return all.filter((j) => j % shard.count === shard.index);
}

/** Orders records by sort tuple, then by position (the table key: unique, so the order is total). */
export function compareSortKeys(
  a: { tuple: unknown[]; position: string },
  b: { tuple: unknown[]; position: string },
): number {
  for (let i = 0; i < a.tuple.length; i++) {
    const c = compareJsonValues(a.tuple[i], b.tuple[i]);
    if (c !== 0) return c;
  }
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
