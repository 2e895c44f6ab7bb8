/**
 * The run's prefilter applied to raw bytes, so lines that cannot match are skipped without
 * being decoded (decoding each line cost as much as the rest of the read). Built from the SDK's
 * literal sets (`SelectionPushdown.literals`), with the same meaning: a line passes when it
 * contains a backslash (an escape may hide a literal) or, for every set, at least one of the
 * set's literals. Searching UTF-8 bytes finds exactly the lines whose text contains the
 * literal: UTF-8 is self-synchronising, so a byte match cannot start inside another character.
 *
 * The test is called line after line, forwards, on one block of bytes; it remembers, for each
 * literal (and for the backslash), where its next occurrence in the block is, so a block is
 * searched once per literal instead of once per line and literal, and no per-line view is
 * allocated. Calls that go backwards or move to another block start the search over, so any
 * call order gives the same answers.
 */
export type BytePrefilter = (bytes: Buffer, start: number, end: number) => boolean;

const BACKSLASH = 0x5c;

/** The next occurrence of one needle in the current block, at or after `from`. */
interface NextOccurrence {
  needle: Buffer | number;
  length: number;
  /** Searched from here; `at` is the first occurrence at or after it (-1: none in the block). */
  from: number;
  at: number;
}

/** Whether `[start, end)` of `bytes` holds the needle, updating its cached next occurrence. */
function occursIn(next: NextOccurrence, bytes: Buffer, start: number, end: number): boolean {
  if (start < next.from || (next.at !== -1 && next.at < start)) {
    next.from = start;
    next.at = bytes.indexOf(next.needle, start);
  }
  // `at` is the first occurrence at or after `start`: one later in the line would end later.
  return next.at !== -1 && next.at + next.length <= end;
}

/** Compiles literal sets into a {@link BytePrefilter} (see the module comment). */
export function compileBytePrefilter(sets: ReadonlyArray<readonly string[]>): BytePrefilter {
  const occurrence = (needle: Buffer | number, length: number): NextOccurrence => ({
    needle,
    length,
    from: 0,
    at: -1,
  });
  const encoded = sets.map((set) =>
    set.map((literal) => {
      const bytes = Buffer.from(literal, "utf8");
      return occurrence(bytes, bytes.length);
    }),
  );
  const backslash = occurrence(BACKSLASH, 1);
  const all = [...encoded.flat(), backslash];
  let block: Buffer | undefined;
  return (bytes, start, end) => {
    if (bytes !== block) {
      // Another block: forget every cached occurrence.
      block = bytes;
      for (const next of all) {
        next.from = Number.MAX_SAFE_INTEGER;
        next.at = -1;
      }
    }
    for (const set of encoded) {
      let found = false;
      for (const literal of set) {
        if (occursIn(literal, bytes, start, end)) {
          found = true;
          break;
        }
      }
      // Rare: only a line ruled out pays for the backslash search.
      if (!found) return occursIn(backslash, bytes, start, end);
    }
    return true;
  };
}
