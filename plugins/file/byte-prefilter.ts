/**
 * The run's prefilter applied to raw bytes, so lines that cannot match are skipped without
 * being decoded (decoding each line cost as much as the rest of the read). Built from the SDK's
 * `prefilterLiterals`, with the same meaning: a line passes when it contains a backslash (an
 * escape may hide a literal) or, for every set, at least one of the set's literals. Searching
 * UTF-8 bytes finds exactly the lines whose text contains the literal: UTF-8 is
 * self-synchronising, so a byte match cannot start inside another character.
 */
export type BytePrefilter = (bytes: Buffer, start: number, end: number) => boolean;

const BACKSLASH = 0x5c;

export function compileBytePrefilter(sets: ReadonlyArray<readonly string[]>): BytePrefilter {
  const encoded = sets.map((set) => set.map((literal) => Buffer.from(literal, "utf8")));
  return (bytes, start, end) => {
    const line = bytes.subarray(start, end);
    for (const set of encoded) {
      let found = false;
      for (const literal of set) {
        if (line.indexOf(literal) !== -1) {
          found = true;
          break;
        }
      }
      // Rare: only a line ruled out pays for the backslash scan.
      if (!found) return line.indexOf(BACKSLASH) !== -1;
    }
    return true;
  };
}
