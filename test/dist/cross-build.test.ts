/**
 * Cross-compiled binaries are real executables for their platform: PE for Windows, Mach-O for
 * macOS, ELF with the right loader for Linux (glibc or musl), each for the right CPU. They
 * cannot run here, so their headers are read. The first run on a fresh machine downloads each
 * target's Bun runtime (~40 MB) from the npm registry; later runs take about 2 s per target.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BuiltTarget, build } from "../../scripts/build.ts";
import { findTarget } from "../../scripts/release/targets.ts";
import { buildSingle, removeTempDirs, run, TEST_VERSION, tempDir } from "./built.ts";
import { identifyExecutable, identifyFile } from "./executable-format.ts";

const CROSS = ["windows-x64", "darwin-x64", "darwin-arm64", "linux-arm64", "linux-x64-musl"];
let built: Map<string, BuiltTarget>;

beforeAll(async () => {
  const outdir = tempDir("cross");
  const results = await build({
    targets: CROSS.map(findTarget),
    version: TEST_VERSION,
    outdir,
    noArchive: true,
    mtime: 0,
    log: () => {},
  });
  built = new Map(results.map((r) => [r.target.id, r]));
}, 300_000);

afterAll(removeTempDirs);

describe("cross-compiled binaries", () => {
  test.each([
    ["windows-x64", { format: "pe", arch: "x64", executable: true }],
    ["darwin-x64", { format: "mach-o", arch: "x64", executable: true }],
    ["darwin-arm64", { format: "mach-o", arch: "arm64", executable: true }],
    [
      "linux-arm64",
      { format: "elf", arch: "arm64", executable: true, interpreter: "/lib/ld-linux-aarch64.so.1" },
    ],
    [
      "linux-x64-musl",
      { format: "elf", arch: "x64", executable: true, interpreter: "/lib/ld-musl-x86_64.so.1" },
    ],
  ] as const)("%s is %o", async (id, expected) => {
    const result = built.get(id)!;
    expect(result.binaryPath.endsWith(id === "windows-x64" ? "rehydrate.exe" : "rehydrate")).toBe(true);
    expect(await identifyFile(result.binaryPath)).toEqual(expected);
    // A compiled binary is the Bun runtime plus the bundle: tens of MB, never a stub.
    expect(result.binaryBytes).toBeGreaterThan(40 * 1024 * 1024);
  });

  test("the version is baked into every binary", async () => {
    for (const result of built.values()) {
      const bytes = Buffer.from(await Bun.file(result.binaryPath).arrayBuffer());
      // As a string constant of the bytecode: the minified bundle no longer holds it quoted.
      expect(bytes.indexOf(TEST_VERSION)).toBeGreaterThan(0);
    }
  });

  test("this machine's own build is identified too (the reader is not guessing)", async () => {
    const single = await buildSingle();
    const info = await identifyFile(single.binary);
    expect(info.arch).toBe(single.target.arch);
    const formats = { linux: "elf", darwin: "mach-o", windows: "pe" } as const;
    expect(info.format).toBe(formats[single.target.os]);
  }, 120_000);

  // With qemu-user and the arm64 glibc loader (Debian: qemu-user-static libc6-arm64-cross) the
  // arm64 build really runs here; otherwise only its header is checked above.
  const qemu = Bun.which("qemu-aarch64-static") ?? Bun.which("qemu-aarch64");
  const armSysroot = "/usr/aarch64-linux-gnu";
  const canRunArm = Boolean(qemu) && existsSync(join(armSysroot, "lib/ld-linux-aarch64.so.1"));
  if (!canRunArm)
    console.warn("cross-build: qemu-aarch64 or libc6-arm64-cross missing, linux-arm64 is not run");
  test.skipIf(!canRunArm)(
    "the linux-arm64 binary runs under qemu and prints its version",
    async () => {
      const result = await run([qemu!, "-L", armSysroot, built.get("linux-arm64")!.binaryPath, "--version"], {
        timeoutMs: 60_000,
      });
      expect(result.stdout.trim()).toBe(TEST_VERSION);
      expect(result.code).toBe(0);
    },
    60_000,
  );

  test("rejects files that are not executables", () => {
    expect(() => identifyExecutable(new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toThrow("not an ELF");
  });
});
