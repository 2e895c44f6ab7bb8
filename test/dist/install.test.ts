/**
 * install.sh against a loopback HTTP server that plays the GitHub release: a good install
 * works and the installed binary runs; a tampered archive or a missing checksum entry is
 * refused with nothing installed; platforms and missing tools get their messages.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarGz } from "../../scripts/release/archive.ts";
import { formatChecksums, parseChecksums, sha256Hex } from "../../scripts/release/checksums.ts";
import {
  buildSingle,
  ROOT,
  type RunResult,
  removeTempDirs,
  run,
  type SingleBuild,
  TEST_VERSION,
  tempDir,
} from "./built.ts";

const INSTALL_SH = join(ROOT, "install.sh");
const windows = process.platform === "win32";

/** Release folders served under /<name>/: the real build, a tampered copy, one missing its checksum line. */
let releases: Record<string, string>;
let server: ReturnType<typeof Bun.serve>;
let built: SingleBuild;
const requested: string[] = [];

beforeAll(async () => {
  built = await buildSingle();
  const archive = built.target.archive;
  const tampered = tempDir("release-tampered");
  // A well-formed archive with a different binary in it, as an attacker would serve: only the
  // checksum can tell it apart.
  const evil = new TextEncoder().encode("#!/bin/sh\necho pwned\n");
  writeFileSync(join(tampered, archive), tarGz([{ name: "rehydrate", data: evil, mode: 0o755 }], 0));
  copyFileSync(built.sums, join(tampered, "sha256sums.txt"));
  const unlisted = tempDir("release-unlisted");
  copyFileSync(built.archive, join(unlisted, archive));
  const others = new Map([["rehydrate-other.tar.gz", sha256Hex(evil)]]);
  writeFileSync(join(unlisted, "sha256sums.txt"), formatChecksums(others));
  releases = { good: built.outdir, tampered, unlisted };
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const [, release, file] = new URL(request.url).pathname.split("/");
      requested.push(`${release}/${file}`);
      const dir = release ? releases[release] : undefined;
      const body = dir && file && !file.includes("..") ? Bun.file(join(dir, file)) : undefined;
      return body && (await body.exists()) ? new Response(body) : new Response("not found", { status: 404 });
    },
  });
}, 120_000);

afterAll(() => {
  server?.stop(true);
  removeTempDirs();
});

/** Environment for one install.sh run: a throwaway HOME and install dir, the given overrides. */
function installEnv(release: string, overrides: Record<string, string> = {}): Record<string, string> {
  const home = tempDir("home");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    SHELL: "/bin/bash",
    REHYDRATE_DOWNLOAD_URL: `http://127.0.0.1:${server.port}/${release}`,
    REHYDRATE_INSTALL_DIR: join(home, "bin"),
    ...overrides,
  };
}

function install(env: Record<string, string>, args: string[] = []): Promise<RunResult> {
  return run(["/bin/sh", INSTALL_SH, ...args], { env, timeoutMs: 60_000 });
}

describe.skipIf(windows)("install.sh", () => {
  test("installs the verified binary, which then runs, and says how to add it to PATH", async () => {
    const env = installEnv("good", { REHYDRATE_VERSION: TEST_VERSION });
    const result = await install(env);
    expect(result.stderr).toContain("sha256 verified");
    expect(result.code).toBe(0);
    const installed = join(env.REHYDRATE_INSTALL_DIR!, "rehydrate");
    const version = await run([installed, "--version"]);
    expect(version.stdout.trim()).toBe(TEST_VERSION);
    expect(result.stderr).toContain(`installed rehydrate ${TEST_VERSION} to ${installed}`);
    expect(result.stderr).not.toContain("warning");
    expect(result.stderr).toContain(
      `export PATH="${env.REHYDRATE_INSTALL_DIR}:$PATH"' >> ${env.HOME}/.bashrc`,
    );
    // Only the install dir's binary is left behind: no temporary file next to it.
    expect(readdirSync(env.REHYDRATE_INSTALL_DIR!)).toEqual(["rehydrate"]);
  });

  test("--dir overrides the install directory and a dir already on PATH gets no PATH hint", async () => {
    const env = installEnv("good");
    const dir = join(env.HOME!, "tools");
    env.PATH = `${dir}:${env.PATH}`;
    const result = await install(env, ["--dir", dir]);
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "rehydrate"))).toBe(true);
    expect(existsSync(env.REHYDRATE_INSTALL_DIR!)).toBe(false);
    expect(result.stderr).not.toContain("is not on your PATH");
  });

  test("refuses a tampered archive and installs nothing", async () => {
    const env = installEnv("tampered");
    const result = await install(env);
    expect(result.code).not.toBe(0);
    const expected = parseChecksums(await Bun.file(built.sums).text()).get(built.target.archive);
    expect(result.stderr).toContain(`checksum mismatch for ${built.target.archive}: expected ${expected}`);
    expect(result.stderr).toContain("nothing was installed");
    expect(existsSync(join(env.REHYDRATE_INSTALL_DIR!, "rehydrate"))).toBe(false);
  });

  test("refuses when sha256sums.txt has no entry for the archive, before downloading it", async () => {
    const env = installEnv("unlisted");
    const before = requested.length;
    const result = await install(env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`sha256sums.txt has no entry for ${built.target.archive}`);
    expect(requested.slice(before)).toEqual(["unlisted/sha256sums.txt"]);
    expect(existsSync(join(env.REHYDRATE_INSTALL_DIR!, "rehydrate"))).toBe(false);
  });

  test("a release that does not exist is reported with its URL", async () => {
    const env = installEnv("v9.9.9");
    const result = await install(env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`could not download ${env.REHYDRATE_DOWNLOAD_URL}/sha256sums.txt`);
  });

  // uname -s / uname -m values as the script sees them → the archive it must ask for. The
  // "unlisted" release has no entries, so the script names the archive it looked for and stops.
  const platforms: [string, string, string, string][] = [
    ["Linux", "x86_64", "glibc", "rehydrate-linux-x64.tar.gz"],
    ["Linux", "aarch64", "glibc", "rehydrate-linux-arm64.tar.gz"],
    ["Linux", "x86_64", "musl", "rehydrate-linux-x64-musl.tar.gz"],
    ["Linux", "arm64", "musl", "rehydrate-linux-arm64-musl.tar.gz"],
    ["Darwin", "x86_64", "", "rehydrate-darwin-x64.tar.gz"],
    ["Darwin", "arm64", "", "rehydrate-darwin-arm64.tar.gz"],
  ];
  test.each(platforms)("%s %s %s asks for %s", async (os, arch, libc, archive) => {
    const env = installEnv("unlisted", { REHYDRATE_OS: os, REHYDRATE_ARCH: arch, REHYDRATE_LIBC: libc });
    const result = await install(env);
    expect(result.stderr).toContain(`downloading ${archive} (latest)`);
    expect(result.stderr).toContain(`no entry for ${archive};`);
  });

  // The C library comes from what `ldd --version` says (a stand-in ldd first on PATH here),
  // not from a musl loader file that a glibc system may also have.
  test.each([
    ["musl libc (x86_64)\nVersion 1.2.5", "rehydrate-linux-x64-musl.tar.gz"],
    ["ldd (Debian GLIBC 2.36-9+deb12u14) 2.36", "rehydrate-linux-x64.tar.gz"],
  ])("ldd saying %j selects %s", async (banner, archive) => {
    const bin = tempDir("fake-ldd");
    // Like musl's real ldd: the banner on stderr and a non-zero exit.
    writeFileSync(join(bin, "ldd"), `#!/bin/sh\ncat >&2 <<'EOF'\n${banner}\nEOF\nexit 1\n`, { mode: 0o755 });
    const env = installEnv("unlisted", { REHYDRATE_OS: "Linux", REHYDRATE_ARCH: "x86_64" });
    env.PATH = `${bin}:${env.PATH}`;
    const result = await install(env);
    expect(result.stderr).toContain(`no entry for ${archive};`);
  });

  // Rosetta 2 reports x86_64 from `uname -m`; sysctl.proc_translated=1 gives it away. A stand-in
  // sysctl plays macOS here; `uname -m` is this machine's own, so only run where it is x86_64.
  test.skipIf(process.arch !== "x64")("an x86_64 shell under Rosetta 2 gets the arm64 build", async () => {
    const bin = tempDir("fake-sysctl");
    const sysctl = `#!/bin/sh\n[ "$*" = "-n sysctl.proc_translated" ] && echo 1 && exit 0\nexit 1\n`;
    writeFileSync(join(bin, "sysctl"), sysctl, { mode: 0o755 });
    const env = installEnv("unlisted", { REHYDRATE_OS: "Darwin" });
    env.PATH = `${bin}:${env.PATH}`;
    const result = await install(env);
    expect(result.stderr).toContain("runs under Rosetta 2; installing the native Apple silicon build");
    expect(result.stderr).toContain("no entry for rehydrate-darwin-arm64.tar.gz;");
  });

  test.each([
    ["FreeBSD", "amd64"],
    ["Linux", "riscv64"],
    ["Darwin", "ppc"],
  ])("unsupported platform %s/%s gets a clear message", async (os, arch) => {
    const result = await install(installEnv("good", { REHYDRATE_OS: os, REHYDRATE_ARCH: arch }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no prebuilt rehydrate binary for ${os}/${arch}`);
    expect(result.stderr).toContain("Prebuilt: Linux x86_64 and arm64");
  });

  test("Windows shells are pointed at the zip", async () => {
    const result = await install(
      installEnv("good", { REHYDRATE_OS: "MINGW64_NT-10.0", REHYDRATE_ARCH: "x86_64" }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("download rehydrate-windows-x64.zip");
  });

  /** A PATH holding only the named tools (symlinks), to simulate a machine that lacks others. */
  function pathWith(tools: string[]): string {
    const dir = tempDir("path");
    for (const tool of tools) {
      const real = Bun.which(tool);
      if (!real) throw new Error(`test needs ${tool} on this machine`);
      symlinkSync(real, join(dir, tool));
    }
    return dir;
  }

  const linux = { REHYDRATE_OS: "Linux", REHYDRATE_ARCH: "x86_64", REHYDRATE_LIBC: "glibc" };

  test("without curl and wget it says to install one", async () => {
    const result = await install(installEnv("good", { ...linux, PATH: pathWith([]) }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("neither curl nor wget is installed");
  });

  test.skipIf(!Bun.which("curl"))("without sha256sum and shasum it refuses to go on", async () => {
    const result = await install(installEnv("good", { ...linux, PATH: pathWith(["curl"]) }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no sha256 tool found (sha256sum or shasum)");
  });

  const basics = ["uname", "grep", "mktemp", "awk", "cut", "tar", "gzip", "mkdir", "cp", "chmod", "mv", "rm"];
  test.skipIf(!Bun.which("wget") || !Bun.which("shasum"))("falls back to wget and shasum", async () => {
    const env = installEnv("good", { PATH: pathWith(["wget", "shasum", "perl", ...basics]) });
    const result = await install(env);
    expect(result.stderr).toContain("sha256 verified");
    expect(result.code).toBe(0);
  });

  // Alpine's userland: busybox sh, wget, sha256sum and tar, nothing else on PATH.
  const busybox = Bun.which("busybox");
  if (!busybox && !windows)
    console.warn("install.sh: busybox is not installed, so the busybox-only install is skipped");
  test.skipIf(!busybox)("installs with busybox alone (sh, wget, sha256sum, tar)", async () => {
    const dir = tempDir("busybox");
    const applets = "sh wget sha256sum tar gzip mktemp awk cut mkdir cp chmod mv rm uname grep".split(" ");
    for (const applet of applets) symlinkSync(busybox!, join(dir, applet));
    // No ldd on this PATH: the C library is told by the glibc loader file.
    const env = installEnv("good", { PATH: dir });
    const result = await run([join(dir, "sh"), INSTALL_SH], { env, timeoutMs: 60_000 });
    expect(result.stderr).toContain("sha256 verified");
    expect(result.code).toBe(0);
    expect((await run([join(env.REHYDRATE_INSTALL_DIR!, "rehydrate"), "--version"])).stdout.trim()).toBe(
      TEST_VERSION,
    );
  });

  test("refuses, and installs nothing, when the mirror serves another version than the one asked for", async () => {
    const env = installEnv("good", { REHYDRATE_VERSION: "9.9.9" });
    const result = await install(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `asked for version 9.9.9 but ${env.REHYDRATE_DOWNLOAD_URL} serves ${TEST_VERSION}; nothing was installed`,
    );
    expect(existsSync(join(env.REHYDRATE_INSTALL_DIR!, "rehydrate"))).toBe(false);
    // A v-prefixed tag of the served version is the same version.
    const tagged = await install(installEnv("good"), ["--version", `v${TEST_VERSION}`]);
    expect(tagged.code).toBe(0);
  });

  test("a pinned sha256 (--sha256 / REHYDRATE_SHA256) must match too", async () => {
    const sums = parseChecksums(await Bun.file(built.sums).text());
    const good = sums.get(built.target.archive)!;
    const pinned = await install(installEnv("good"), ["--sha256", good.toUpperCase()]);
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).toContain("(matches the pinned sha256)");
    const env = installEnv("good", { REHYDRATE_SHA256: "0".repeat(64) });
    const wrong = await install(env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`the pinned sha256 is ${"0".repeat(64)}, the download is ${good}`);
    expect(existsSync(join(env.REHYDRATE_INSTALL_DIR!, "rehydrate"))).toBe(false);
    const malformed = await install(installEnv("good"), ["--sha256", "abc"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("must be 64 hex digits");
  });

  test("--uninstall removes the installed binary, and says so when there is nothing to remove", async () => {
    const env = installEnv("good");
    expect((await install(env)).code).toBe(0);
    const binary = join(env.REHYDRATE_INSTALL_DIR!, "rehydrate");
    expect(existsSync(binary)).toBe(true);
    const removed = await install(env, ["--uninstall"]);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(`removed ${binary}`);
    expect(existsSync(binary)).toBe(false);
    // The install dir stays (it may hold other tools), and no download happened.
    expect(existsSync(env.REHYDRATE_INSTALL_DIR!)).toBe(true);
    const again = await install(env, ["--uninstall"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`nothing to remove: ${binary} does not exist`);
  });

  test("rejects an unknown argument with the usage", async () => {
    const result = await install(installEnv("good"), ["--prefix", "/opt"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("usage: install.sh");
    expect(result.stderr).toContain("unknown argument: --prefix");
  });
});

describe("install.sh static checks", () => {
  const shellcheck = Bun.which("shellcheck");
  if (!shellcheck) {
    console.warn("install.sh: shellcheck is not installed, so `shellcheck -s sh install.sh` is skipped");
  }
  test.skipIf(!shellcheck)("passes shellcheck -s sh", async () => {
    const result = await run([shellcheck!, "-s", "sh", INSTALL_SH]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  test("uses no bash-only syntax a plain sh would reject (parsed by /bin/sh -n)", async () => {
    if (windows) return;
    const result = await run(["/bin/sh", "-n", INSTALL_SH]);
    expect(result.code).toBe(0);
  });

  test("is executable in the repository", () => {
    const mode = Bun.spawnSync(["git", "ls-files", "-s", "install.sh"], { cwd: ROOT }).stdout.toString();
    expect(mode.startsWith("100755")).toBe(true);
  });
});
