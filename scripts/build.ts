#!/usr/bin/env bun
/**
 * Release build: compiles rehydrate into standalone executables with `bun build --compile`,
 * packs each into an archive and writes `sha256sums.txt`, all under dist/.
 *
 *   bun scripts/build.ts                      # every target in scripts/release/targets.ts
 *   bun scripts/build.ts --single             # only this machine's target (tests, CI)
 *   bun scripts/build.ts --targets linux-x64,darwin-arm64 --version 1.2.3 --outdir out
 *   bun scripts/build.ts --single --no-archive  # binaries only
 *
 * Cross-compiling makes Bun fetch the target's runtime (about 40 MB each, from the npm
 * registry) into ~/.bun/install/cache once; after that a target takes about 2 s to compile.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type ArchiveEntry, tarGz, zip } from "./release/archive.ts";
import { formatChecksums, sha256Hex } from "./release/checksums.ts";
import { findTarget, hostTarget, TARGETS, type Target } from "./release/targets.ts";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "src/cli/main.ts");
const WORKER_ENTRY = join(ROOT, "plugins/file/ndjson-worker.ts");

/** What one target's build produced. */
export interface BuiltTarget {
  target: Target;
  binaryPath: string;
  binaryBytes: number;
  archivePath?: string;
  archiveBytes?: number;
  sha256?: string;
  seconds: number;
}

/** Options of {@link build}, mirroring the command-line flags. */
export interface BuildOptions {
  targets: readonly Target[];
  version: string;
  outdir: string;
  /** Skip archives and sha256sums.txt (binaries only). @default false */
  noArchive?: boolean;
  /** Modification time stored in archives, seconds since the epoch. */
  mtime: number;
  /** Progress lines go here. @default console.error */
  log?: (line: string) => void;
}

/** Normalises a version given as `1.2.3` or a tag `v1.2.3`; rejects anything that is not semver. */
export function parseVersion(raw: string): string {
  const version = raw.replace(/^v/, "");
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`--version: "${raw}" is not a semantic version like 1.2.3`);
  }
  return version;
}

/** Archive timestamp: SOURCE_DATE_EPOCH (reproducible builds), else the last commit, else now. */
function defaultMtime(): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const git = Bun.spawnSync(["git", "log", "-1", "--format=%ct"], { cwd: ROOT, stderr: "ignore" });
  const commitTime = Number(git.stdout.toString().trim());
  return git.exitCode === 0 && commitTime > 0 ? commitTime : Math.floor(Date.now() / 1000);
}

async function compile(target: Target, version: string, outfile: string): Promise<void> {
  const args = [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    // Precompiled bytecode: the bundle holds every SDK (lazily evaluated, but JavaScriptCore
    // still has to parse it), and skipping that parse takes `--version` from ~80 ms to ~30 ms.
    // ESM output because the entry uses top-level await.
    "--bytecode",
    "--format=esm",
    `--target=${target.bunTarget}`,
    "--define",
    `REHYDRATE_VERSION=${JSON.stringify(version)}`,
    // A bunfig.toml in the user's working directory could preload code into the binary.
    "--no-compile-autoload-bunfig",
    ENTRY,
    // The file source's worker threads run this module: a compiled binary needs it as an entrypoint.
    WORKER_ENTRY,
    "--outfile",
    outfile,
  ];
  const child = Bun.spawn(args, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`bun build for ${target.id} failed (exit ${code}):\n${stdout}${stderr}`);
}

/** Runs a freshly built binary for this machine and checks it reports the version it was given. */
function smokeTest(binaryPath: string, version: string): void {
  const run = Bun.spawnSync([binaryPath, "--version"], { stderr: "pipe" });
  const printed = run.stdout.toString().trim();
  if (run.exitCode !== 0 || printed !== version) {
    throw new Error(
      `${binaryPath} --version printed "${printed}" (exit ${run.exitCode}), expected "${version}"\n${run.stderr}`,
    );
  }
}

/** Builds the given targets; returns what was written. */
export async function build(options: BuildOptions): Promise<BuiltTarget[]> {
  const log = options.log ?? ((line: string) => console.error(line));
  const outdir = resolve(options.outdir);
  mkdirSync(outdir, { recursive: true });
  const host = (() => {
    try {
      return hostTarget().id;
    } catch {
      return undefined;
    }
  })();
  const built: BuiltTarget[] = [];
  for (const target of options.targets) {
    const started = performance.now();
    const dir = join(outdir, target.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const binaryPath = join(dir, target.binary);
    await compile(target, options.version, binaryPath);
    if (target.id === host) smokeTest(binaryPath, options.version);
    const result: BuiltTarget = { target, binaryPath, binaryBytes: statSync(binaryPath).size, seconds: 0 };
    if (!options.noArchive) {
      const entry: ArchiveEntry = {
        name: target.binary,
        data: await Bun.file(binaryPath).bytes(),
        mode: 0o755,
      };
      const bytes = target.os === "windows" ? zip([entry], options.mtime) : tarGz([entry], options.mtime);
      result.archivePath = join(outdir, target.archive);
      writeFileSync(result.archivePath, bytes);
      result.archiveBytes = bytes.length;
      result.sha256 = sha256Hex(bytes);
    }
    result.seconds = (performance.now() - started) / 1000;
    log(
      `built ${target.id.padEnd(17)} binary ${mb(result.binaryBytes)}` +
        (result.archiveBytes === undefined ? "" : `  ${target.archive} ${mb(result.archiveBytes)}`) +
        `  ${result.seconds.toFixed(1)} s`,
    );
    built.push(result);
  }
  if (!options.noArchive) {
    const sums = new Map(built.map((b) => [b.target.archive, b.sha256!] as const));
    writeFileSync(join(outdir, "sha256sums.txt"), formatChecksums(sums));
    log(`wrote ${join(outdir, "sha256sums.txt")} (${sums.size} archives)`);
    // sha256sums.txt lists this run's archives only; say so if older ones sit beside them.
    const stale = TARGETS.map((t) => t.archive).filter((a) => !sums.has(a) && existsSync(join(outdir, a)));
    if (stale.length > 0)
      log(`note: ${stale.join(", ")} in ${outdir} are from an earlier build, not in sha256sums.txt`);
  }
  return built;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      single: { type: "boolean", default: false },
      targets: { type: "string" },
      version: { type: "string" },
      outdir: { type: "string", default: join(ROOT, "dist") },
      "no-archive": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: bun scripts/build.ts [--single | --targets id,id] [--version x.y.z] [--outdir dist] [--no-archive]\n" +
        `targets: ${TARGETS.map((t) => t.id).join(", ")}`,
    );
    return 0;
  }
  if (values.single && values.targets) throw new Error("use either --single or --targets, not both");
  const targets = values.single
    ? [hostTarget()]
    : values.targets
      ? values.targets.split(",").map((id) => findTarget(id.trim()))
      : TARGETS;
  const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as { version: string };
  const version = parseVersion(values.version ?? pkg.version);
  console.error(`rehydrate ${version}: building ${targets.map((t) => t.id).join(", ")}`);
  await build({
    targets,
    version,
    outdir: values.outdir,
    noArchive: values["no-archive"],
    mtime: defaultMtime(),
  });
  return 0;
}

if (import.meta.main) {
  try {
    process.exit(await main());
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
