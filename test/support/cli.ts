import { PassThrough } from "node:stream";
import { runCommandLine } from "../../src/cli/main.ts";

/** Runs the CLI in-process with captured streams; `stdin` is fed from `input`. */
export async function runCli(
  argv: string[],
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => {
    out += c;
  });
  stderr.on("data", (c) => {
    err += c;
  });
  const code = await runCommandLine(argv, { stdin, stdout, stderr, env: process.env, colorDepth: 1 });
  return { code, stdout: out, stderr: err };
}
