#!/usr/bin/env bun
/**
 * Start-up time of the compiled binary and the sizes of what the release build wrote.
 *
 *   bun scripts/build.ts              # or --single; this script builds --single if dist/ lacks it
 *   bun scripts/bench/startup.ts [--runs 41]
 *
 * Runs `rehydrate --version`, `rehydrate --help` and, for comparison, `bun src/cli/main.ts
 * --version`, interleaved so a slow moment hits all of them alike, after warm-up runs (the
 * binary's pages are then in the page cache: this is the warm figure). Prints a Markdown table
 * of median / p90 / min wall time per command (spawn included) and one of file sizes.
 * The goal for `--version` is a median of at most 50 ms.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { hostTarget, TARGETS } from "../release/targets.ts";

const ROOT = resolve(import.meta.dir, "../..");
const DIST = join(ROOT, "dist");

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function time(cmd: string[]): number {
  const started = Bun.nanoseconds();
  const result = Bun.spawnSync(cmd, {
    cwd: ROOT,
    stdout: "ignore",
    stderr: "ignore",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = (Bun.nanoseconds() - started) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${result.exitCode}`);
  return ms;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "41" } } });
const runs = Number(values.runs);
const host = hostTarget();
const binary = join(DIST, host.id, host.binary);
if (!existsSync(binary)) {
  console.error(`${binary} is missing; building it with scripts/build.ts --single`);
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--single"], {
    cwd: ROOT,
    stderr: "inherit",
  });
  if (build.exitCode !== 0) process.exit(1);
}

const commands: Record<string, string[]> = {
  "rehydrate --version": [binary, "--version"],
  "rehydrate --help": [binary, "--help"],
  "bun src/cli/main.ts --version (from source)": [process.execPath, "src/cli/main.ts", "--version"],
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const cmd of Object.values(commands)) for (let i = 0; i < 3; i++) time(cmd);
for (let i = 0; i < runs; i++) {
  for (const [name, cmd] of Object.entries(commands)) samples[name]!.push(time(cmd));
}

const cpu = (await Bun.file("/proc/cpuinfo").exists())
  ? ((await Bun.file("/proc/cpuinfo").text()).match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU")
  : process.arch;
console.log(
  `Start-up, ${runs} interleaved runs each, warm page cache, ${host.id}, Bun ${Bun.version}, ${cpu}, ` +
    `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (other work on the machine inflates every figure)\n`,
);
console.log("| command | median | p90 | min |\n| --- | --- | --- | --- |");
for (const [name, list] of Object.entries(samples)) {
  const sorted = list.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `| \`${name}\` | ${f(quantile(sorted, 0.5))} | ${f(quantile(sorted, 0.9))} | ${f(sorted[0]!)} |`,
  );
}

console.log("\n| target | binary | archive |\n| --- | --- | --- |");
const built = existsSync(DIST) ? new Set(readdirSync(DIST)) : new Set<string>();
for (const target of TARGETS) {
  const bin = join(DIST, target.id, target.binary);
  if (!existsSync(bin)) continue;
  const archive = built.has(target.archive) ? mib(statSync(join(DIST, target.archive)).size) : "not built";
  console.log(`| ${target.id} | ${mib(statSync(bin).size)} | ${archive} |`);
}
