/**
 * UTF-8 helpers for the file source. Records are decoded strictly: invalid UTF-8 makes the
 * record invalid (with its position) instead of being silently replaced by U+FFFD.
 */

/** Lenient decoder, only for showing the text of a record that is not valid UTF-8. */
export const lenientDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Whether `bytes` starts with the UTF-8 byte order mark EF BB BF. */
export function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * The byte offset of the first byte that does not start a valid UTF-8 sequence at or after
 * `from`, or -1 when the rest is valid. Follows the WHATWG decoder's rules (no overlong forms,
 * no surrogates, nothing above U+10FFFF). A sequence cut off by the end counts as invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const second = bytes[i + 1]!;
    if (second < lower || second > upper) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The length of the longest prefix of `bytes` that does not end inside a multi-byte sequence,
 * so a chunk can be decoded on its own and the rest (at most 3 bytes) carried to the next one.
 */
export function completeUtf8Prefix(bytes: Uint8Array): number {
  const n = bytes.length;
  // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
  let i = n - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (bytes[i]! & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return n;
  const lead = bytes[i]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  // An incomplete sequence is carried; anything else (complete, or invalid) is decoded now.
  return length > 1 && continuation + 1 < length ? i : n;
}

/** Decodes `bytes` leniently and truncates it for display in an invalid record. */
export function previewBytes(bytes: Uint8Array, maxChars: number): string {
  const text = lenientDecoder.decode(bytes.subarray(0, maxChars * 4));
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
