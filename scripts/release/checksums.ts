/**
 * `sha256sums.txt`: one `<64 hex digits><two spaces><file name>` line per archive, the format
 * `sha256sum` writes and `sha256sum -c` / `shasum -a 256 -c` read, so users can verify a
 * download with the tools they already have.
 */

/** Hex sha256 of some bytes. */
export function sha256Hex(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** Renders checksum lines sorted by file name (stable output for diffs and reproducibility). */
export function formatChecksums(sums: ReadonlyMap<string, string>): string {
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, hash]) => `${hash}  ${file}\n`)
    .join("");
}

/**
 * Parses `sha256sums.txt` text into file name → hash. Accepts the binary-mode marker (`*name`)
 * that `sha256sum -b` writes. Throws naming the line number on anything else, so a corrupt
 * checksum file is never half-read.
 */
export function parseChecksums(text: string, source = "sha256sums.txt"): Map<string, string> {
  const sums = new Map<string, string>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (!match) throw new Error(`${source}:${index + 1}: expected "<sha256>  <file>", got "${line}"`);
    sums.set(match[2]!, match[1]!.toLowerCase());
  });
  return sums;
}
