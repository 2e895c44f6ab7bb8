/**
 * The archive and checksum writers behind the release: tar.gz and zip that standard tools
 * read back with the executable bit, the same bytes for the same input, and a strict
 * sha256sums.txt reader.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarGz, zip } from "../../scripts/release/archive.ts";
import { formatChecksums, parseChecksums, sha256Hex } from "../../scripts/release/checksums.ts";
import { removeTempDirs, run, tempDir } from "./built.ts";

afterAll(removeTempDirs);

/** Bytes that compress poorly and are longer than one 512-byte tar block, so padding is exercised. */
function payload(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Reads a zip's single entry the way an unzip tool does: central directory first. */
function readZipEntry(archive: Uint8Array): { name: string; data: Uint8Array; mode: number; crc: number } {
  const buf = Buffer.from(archive);
  const end = buf.length - 22;
  expect(buf.readUInt32LE(end)).toBe(0x06054b50);
  const central = buf.readUInt32LE(end + 16);
  expect(buf.readUInt32LE(central)).toBe(0x02014b50);
  const nameLength = buf.readUInt16LE(central + 28);
  const local = buf.readUInt32LE(central + 42);
  const size = buf.readUInt32LE(central + 20);
  const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  return {
    name: buf.toString("utf8", central + 46, central + 46 + nameLength),
    data: Bun.inflateSync(buf.subarray(dataStart, dataStart + size)),
    mode: (buf.readUInt32LE(central + 38) >>> 16) & 0o777,
    crc: buf.readUInt32LE(central + 16),
  };
}

describe("tarGz", () => {
  const data = payload(70_001);

  // Windows' bsdtar prints and restores modes differently; the format itself is checked on Unix.
  test.skipIf(process.platform === "win32")(
    "system tar extracts the file with its content and executable mode",
    async () => {
      const dir = tempDir("tar");
      writeFileSync(join(dir, "a.tar.gz"), tarGz([{ name: "rehydrate", data, mode: 0o755 }], 1_700_000_000));
      const listing = await run(["tar", "-tvzf", "a.tar.gz"], { cwd: dir });
      expect(listing.code).toBe(0);
      expect(listing.stdout).toMatch(/^-rwxr-xr-x .* 70001 .*rehydrate\n$/);
      const extract = await run(["tar", "-xzf", "a.tar.gz"], { cwd: dir });
      expect(extract.code).toBe(0);
      expect(sha256Hex(readFileSync(join(dir, "rehydrate")))).toBe(sha256Hex(data));
      expect(statSync(join(dir, "rehydrate")).mtimeMs).toBe(1_700_000_000_000);
    },
  );

  test("is reproducible: same input and time, same bytes; another time, other bytes", () => {
    const entry = { name: "rehydrate", data, mode: 0o755 };
    expect(sha256Hex(tarGz([entry], 5))).toBe(sha256Hex(tarGz([entry], 5)));
    expect(sha256Hex(tarGz([entry], 5))).not.toBe(sha256Hex(tarGz([entry], 6)));
  });

  test("refuses a name too long for a ustar header", () => {
    expect(() => tarGz([{ name: "x".repeat(101), data, mode: 0o644 }], 0)).toThrow(
      "does not fit in 100 bytes",
    );
  });
});

describe("zip", () => {
  const data = payload(100_003);

  test("holds the file deflated, with its CRC and the Unix executable mode", () => {
    const archive = zip([{ name: "rehydrate.exe", data, mode: 0o755 }], 1_700_000_000);
    const entry = readZipEntry(archive);
    expect(entry.name).toBe("rehydrate.exe");
    expect(sha256Hex(entry.data)).toBe(sha256Hex(data));
    expect(entry.crc).toBe(Bun.hash.crc32(data));
    expect(entry.mode).toBe(0o755);
  });

  test.skipIf(!Bun.which("unzip"))("unzip accepts it and restores the file", async () => {
    const dir = tempDir("zip");
    writeFileSync(join(dir, "a.zip"), zip([{ name: "rehydrate.exe", data, mode: 0o755 }], 1_700_000_000));
    const check = await run(["unzip", "-t", "a.zip"], { cwd: dir });
    expect(check.stdout).toContain("No errors detected");
    expect((await run(["unzip", "-q", "a.zip"], { cwd: dir })).code).toBe(0);
    expect(sha256Hex(readFileSync(join(dir, "rehydrate.exe")))).toBe(sha256Hex(data));
    expect(statSync(join(dir, "rehydrate.exe")).mode & 0o777).toBe(0o755);
  });
});

describe("sha256sums.txt", () => {
  const a = sha256Hex(new TextEncoder().encode("a"));
  const b = sha256Hex(new TextEncoder().encode("b"));

  test("is written sorted, two spaces between hash and name, one line per file", () => {
    const text = formatChecksums(
      new Map([
        ["rehydrate-windows-x64.zip", b],
        ["rehydrate-darwin-arm64.tar.gz", a],
      ]),
    );
    expect(text).toBe(`${a}  rehydrate-darwin-arm64.tar.gz\n${b}  rehydrate-windows-x64.zip\n`);
    expect(parseChecksums(text)).toEqual(
      new Map([
        ["rehydrate-darwin-arm64.tar.gz", a],
        ["rehydrate-windows-x64.zip", b],
      ]),
    );
  });

  test("reads binary-mode lines and upper-case hashes", () => {
    expect(parseChecksums(`${a.toUpperCase()} *x.tar.gz\r\n`).get("x.tar.gz")).toBe(a);
  });

  test("names the line of a malformed entry", () => {
    expect(() => parseChecksums(`${a}  ok.tar.gz\nnot a checksum\n`, "dist/sha256sums.txt")).toThrow(
      'dist/sha256sums.txt:2: expected "<sha256>  <file>", got "not a checksum"',
    );
  });
});
