/**
 * The build script and the compiled binary for this machine: `--single` writes a runnable
 * binary with the version baked in, an archive holding it as an executable, and a
 * sha256sums.txt that `sha256sum -c` accepts.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseVersion } from "../../scripts/build.ts";
import { parseChecksums, sha256Hex } from "../../scripts/release/checksums.ts";
import { BINARY_ENV, buildSingle, ROOT, run, TEST_VERSION } from "./built.ts";

describe("build.ts --single", () => {
  // Compiling takes a few seconds (more on a fresh machine), longer than bun's default 5 s.
  beforeAll(() => buildSingle(), 120_000);

  test("compiles a binary that prints the version given with --version", async () => {
    const built = await buildSingle();
    expect(built.log).toContain(`built ${built.target.id}`);
    const result = await run([built.binary, "--version"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim()).toBe(TEST_VERSION);
  });

  test("the binary prints help listing the commands without a Bun install", async () => {
    const built = await buildSingle();
    const result = await run([built.binary, "--help"], { env: BINARY_ENV });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("rehydrate run");
    expect(result.stdout).toContain(TEST_VERSION);
  });

  test("writes sha256sums.txt in sha256sum format matching the archive", async () => {
    const built = await buildSingle();
    const sums = parseChecksums(await Bun.file(built.sums).text());
    expect([...sums.keys()]).toEqual([built.target.archive]);
    expect(sums.get(built.target.archive)).toBe(sha256Hex(await Bun.file(built.archive).bytes()));
    if (Bun.which("sha256sum")) {
      const check = await run(["sha256sum", "-c", "sha256sums.txt"], { cwd: built.outdir });
      expect(check.stdout).toContain(`${built.target.archive}: OK`);
      expect(check.code).toBe(0);
    }
  });

  test("the archive holds exactly the binary, executable", async () => {
    const built = await buildSingle();
    if (built.target.os === "windows") return; // the zip writer has its own test (archive.test.ts)
    const files = await new Bun.Archive(await Bun.file(built.archive).bytes()).files();
    expect([...files.keys()]).toEqual(["rehydrate"]);
    const inArchive = await files.get("rehydrate")!.bytes();
    expect(sha256Hex(inArchive)).toBe(sha256Hex(await Bun.file(built.binary).bytes()));
    const listing = await run(["tar", "-tvzf", built.archive]);
    expect(listing.stdout).toMatch(/^-rwxr-xr-x .*rehydrate\n$/);
    expect(statSync(built.binary).mode & 0o111).toBe(0o111);
  });
});

describe("build.ts arguments", () => {
  test("parseVersion accepts semver and tag names, rejects the rest", () => {
    expect(parseVersion("1.2.3")).toBe("1.2.3");
    expect(parseVersion("v1.2.3-rc.1")).toBe("1.2.3-rc.1");
    expect(() => parseVersion("1.2")).toThrow('"1.2" is not a semantic version');
    expect(() => parseVersion("latest")).toThrow("is not a semantic version");
  });

  test("an unknown target fails before compiling and lists the known ones", async () => {
    const result = await run([process.execPath, join(ROOT, "scripts/build.ts"), "--targets", "plan9-mips"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown target "plan9-mips"');
    expect(result.stderr).toContain("darwin-arm64");
  });
});
