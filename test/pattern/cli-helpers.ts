/** Runs CLI commands in-process with injected streams. */
import { PassThrough } from "node:stream";
import { buildCli } from "../../src/cli/main.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString("utf8");
}

/** Runs `rehydrate <argv>` with `stdinText` on stdin. */
export async function runCli(argv: string[], stdinText = ""): Promise<CliResult> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  stdin.end(stdinText);
  const code = await buildCli().run(argv, { stdin, stdout, stderr });
  return { code, stdout: out(), stderr: err() };
}
