/**
 * Byte offsets of NDJSON records, for resume cursors, without touching the shared reader.
 *
 * The NDJSON reader turns every non-blank line into exactly one record, prefiltered count or
 * invalid record, and skips blank lines (only spaces, tabs, CR). So after a batch, the number of
 * non-blank lines the reader has consumed is `records + prefiltered + invalid` summed over the
 * batches so far. This tracker sits between the bytes and the reader, notes where each non-blank
 * line ends, and answers "where does the record after the Nth non-blank line start". It holds
 * entries only for lines handed to the reader and not yet claimed: about one chunk's worth.
 *
 * @module
 */

/** Where reading continues: the byte offset of the next line and its 1-based line number. */
export interface Frontier {
  offset: number;
  line: number;
}

export class LineOffsets {
  private counts: number[] = [];
  private ends: number[] = [];
  private lines: number[] = [];
  private head = 0;
  private nonBlank = 0;
  private offset: number;
  private line: number;
  /** Whether the line being scanned (not yet ended) has a non-blank byte. */
  private partialNonBlank = false;
  private readonly atObjectStart: boolean;

  /** `offset`/`line`: where the bytes given to {@link wrap} start in the object. */
  constructor(start: Frontier) {
    this.offset = start.offset;
    this.line = start.line;
    this.atObjectStart = start.offset === 0;
  }

  /** Passes `input` through unchanged, noting line ends. */
  async *wrap(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      this.scan(chunk);
      yield chunk;
    }
    if (this.partialNonBlank) this.push(this.offset, this.line + 1);
    this.partialNonBlank = false;
  }

  /**
   * The frontier after `consumed` non-blank lines (counted from where this tracker started), or
   * `undefined` when that line's end has not been seen yet (a line cut short as oversized).
   */
  frontier(consumed: number): Frontier | undefined {
    if (consumed === 0) return undefined;
    while (this.head < this.counts.length && this.counts[this.head]! < consumed) this.head++;
    if (this.head >= this.counts.length || this.counts[this.head] !== consumed) return undefined;
    const result = { offset: this.ends[this.head]!, line: this.lines[this.head]! };
    // Drop claimed entries now and then, so the arrays stay about one chunk long.
    if (this.head > 4096) {
      this.counts = this.counts.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    return result;
  }

  private scan(chunk: Uint8Array): void {
    let pos = 0;
    const length = chunk.length;
    // A UTF-8 BOM at the very start is stripped by the sniffer: it does not make line 1 non-blank.
    if (
      this.atObjectStart &&
      this.offset === 0 &&
      chunk[0] === 0xef &&
      chunk[1] === 0xbb &&
      chunk[2] === 0xbf
    ) {
      pos = 3;
    }
    while (pos < length) {
      const newline = chunk.indexOf(10, pos);
      const end = newline === -1 ? length : newline;
      if (!this.partialNonBlank) this.partialNonBlank = hasNonBlank(chunk, pos, end);
      if (newline === -1) break;
      this.line++;
      if (this.partialNonBlank) this.push(this.offset + newline + 1, this.line);
      this.partialNonBlank = false;
      pos = newline + 1;
    }
    this.offset += length;
  }

  private push(end: number, nextLine: number): void {
    this.nonBlank++;
    this.counts.push(this.nonBlank);
    this.ends.push(end);
    this.lines.push(nextLine);
  }
}

function hasNonBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 32 && c !== 9 && c !== 13) return true;
  }
  return false;
}
