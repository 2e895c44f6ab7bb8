import { PassThrough } from "node:stream";
import type { RunIO, RunPlan } from "../../src/config/run-plan.ts";
import type { SourcePlugin, TargetPlugin } from "../../src/sdk/index.ts";

/** A RunPlan around given plugins with test-friendly defaults (fast retries). */
export function planFor(
  source: SourcePlugin,
  targets: TargetPlugin[],
  overrides: Partial<RunPlan> = {},
): RunPlan {
  return {
    source: {
      registered: { plugin: source as SourcePlugin<never>, origin: "test" },
      config: {},
      name: "memory",
      baseDir: process.cwd(),
    },
    targets: targets.map((plugin, i) => ({
      registered: { plugin: plugin as TargetPlugin<never>, origin: "test" },
      config: {},
      name: `target${i}`,
      baseDir: process.cwd(),
    })),
    patternCount: 0,
    concurrency: 4,
    dryRun: false,
    skipInvalid: false,
    prefilter: true,
    progress: false,
    baseDir: process.cwd(),
    aws: {},
    retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  };
}

/** Run IO with captured stdout/stderr. */
export function testIO(
  interrupt = new AbortController().signal,
): RunIO & { stderrText(): string; stdoutText(): string } {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (chunk) => {
    out += chunk;
  });
  let err = "";
  return {
    stdin: new PassThrough(),
    stdout,
    stderr: { write: (text: string) => (err += text) },
    interrupt,
    stderrText: () => err,
    stdoutText: () => out,
  };
}
