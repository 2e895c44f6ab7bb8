/**
 * Builds the binary for this machine once per `bun test` process and shares it between the
 * dist test files (bun runs them one after another in one process). The build goes to
 * dist/test-build-<pid>/, never to dist/ itself, so a developer's release build is left alone;
 * a later run removes the folders of runs that have ended (bun test fires no exit hooks).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hostTarget, type Target } from "../../scripts/release/targets.ts";

/** Repository root. */
export const ROOT = resolve(import.meta.dir, "../..");

/** A version no real release has, so a test that sees it knows it runs the binary it built. */
export const TEST_VERSION = "0.0.0-dist.1";

/**
 * Environment for running the compiled binary: on Unix a PATH without Bun, so the binary
 * cannot lean on an installed runtime. Windows needs its system variables (SystemRoot, TEMP)
 * to start a process at all, so it keeps them.
 */
export const BINARY_ENV: Record<string, string | undefined> =
  process.platform === "win32"
    ? { ...process.env, NO_COLOR: "1" }
    : { PATH: "/usr/bin:/bin", HOME: "/nonexistent", NO_COLOR: "1" };

/** What `bun scripts/build.ts --single` wrote. */
export interface SingleBuild {
  outdir: string;
  target: Target;
  binary: string;
  archive: string;
  sums: string;
  /** The build script's stderr (its progress lines). */
  log: string;
}

let pending: Promise<SingleBuild> | undefined;
const tempDirs: string[] = [];

/** A temporary directory; test files remove theirs with {@link removeTempDirs} in `afterAll`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rehydrate-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made so far. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes dist/test-build-<pid> folders left by test runs that are no longer running. */
function removeStaleBuilds(dist: string): void {
  if (!existsSync(dist)) return;
  for (const name of readdirSync(dist)) {
    const pid = Number(/^test-build-(\d+)$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid))
      rmSync(join(dist, name), { recursive: true, force: true });
  }
}

/** Runs the build script exactly as CI does (`--single`), once; later calls get the same result. */
export function buildSingle(): Promise<SingleBuild> {
  pending ??= (async () => {
    removeStaleBuilds(join(ROOT, "dist"));
    const outdir = join(ROOT, "dist", `test-build-${process.pid}`);
    const child = Bun.spawn(
      [process.execPath, "scripts/build.ts", "--single", "--version", TEST_VERSION, "--outdir", outdir],
      { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
    );
    const [log, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`build.ts --single failed (exit ${code}):\n${log}`);
    const target = hostTarget();
    return {
      outdir,
      target,
      binary: join(outdir, target.id, target.binary),
      archive: join(outdir, target.archive),
      sums: join(outdir, "sha256sums.txt"),
      log,
    };
  })();
  return pending;
}

/** Result of running a process to completion. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with a deadline; output is decoded as UTF-8. */
export async function run(
  cmd: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    stdin?: string;
    timeoutMs?: number;
  } = {},
): Promise<RunResult> {
  const child = Bun.spawn(cmd, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs ?? 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
