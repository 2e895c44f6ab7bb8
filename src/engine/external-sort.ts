import type { SortOptions } from "../sdk/index.ts";

/**
 * Bounded-memory external merge sort. NOT IMPLEMENTED YET: the DynamoDB issue builds it
 * (sorted runs spilled to `dir` as NDJSON, then a k-way merge).
 */
export function externalSort<T>(
  _items: AsyncIterable<T>,
  _options: SortOptions<T> & { dir: string },
): AsyncIterable<T> {
  throw new Error("external sort is not implemented yet");
}
