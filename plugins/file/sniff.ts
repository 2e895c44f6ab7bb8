import { hasBom } from "./utf8.ts";

/** The formats the file source reads. */
export type FileFormat = "ndjson" | "array";

/** An input whose first bytes were looked at; `rest` replays everything after the BOM. */
export interface Sniffed {
  /** `array` when the first non-whitespace byte is `[`, else `ndjson`. */
  format: FileFormat;
  rest: AsyncIterable<Uint8Array>;
  /** Closes the input (its file), whether or not `rest` was read. */
  close(): Promise<void>;
}

/**
 * Strips a UTF-8 BOM at the start of the input and looks at the first non-whitespace byte to
 * tell a JSON array (`[`) from NDJSON (anything else, including an empty input). Reads only
 * as many chunks as it needs and replays them.
 */
export async function sniff(input: AsyncIterable<Uint8Array>): Promise<Sniffed> {
  const iterator = input[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let total = 0;
  let format: FileFormat = "ndjson";
  let done = false;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    // Copies: the input may reuse its buffer for the next chunk.
    buffered.push(next.value.slice());
    total += next.value.length;
    const head = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered);
    // Wait for 3 bytes so a BOM split across chunks is still seen.
    if (
      total < 3 &&
      head.length < 3 &&
      [0xef, 0xbb, 0xbf].slice(0, head.length).every((b, k) => head[k] === b)
    ) {
      continue;
    }
    const first = firstNonWhitespace(head, hasBom(head) ? 3 : 0);
    if (first === -1) continue;
    format = head[first] === 91 ? "array" : "ndjson";
    break;
  }
  if (buffered.length > 1) buffered.splice(0, buffered.length, Buffer.concat(buffered));
  if (buffered.length === 1 && hasBom(buffered[0]!)) buffered[0] = buffered[0]!.subarray(3);
  return {
    format,
    rest: replay(buffered, iterator, done),
    close: async () => {
      // A generator that never started skips its `finally`: close the source iterator here.
      if (!done) await iterator.return?.();
    },
  };
}

function firstNonWhitespace(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 32 && b !== 10 && b !== 13 && b !== 9) return i;
  }
  return -1;
}

async function* replay(
  buffered: Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
  done: boolean,
): AsyncGenerator<Uint8Array> {
  try {
    for (const chunk of buffered) if (chunk.length > 0) yield chunk;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
