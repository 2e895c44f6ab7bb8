/**
 * Runs `rehydrate` commands in-process with captured streams, for end-to-end tests.
 *
 * @module
 */
import { PassThrough } from "node:stream";
import { buildCli } from "../../src/cli/main.ts";

/** The outcome of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` (without the binary name) and collects its output. */
export async function runCli(argv: string[]): Promise<CliRun> {
  const stdin = new PassThrough();
  stdin.end();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (chunk) => out.push(String(chunk)));
  stderr.on("data", (chunk) => err.push(String(chunk)));
  const code = await buildCli().run(argv, { stdin, stdout, stderr } as never);
  return { code, stdout: out.join(""), stderr: err.join("") };
}
