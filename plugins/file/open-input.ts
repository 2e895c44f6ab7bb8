import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { PluginError } from "../../src/sdk/index.ts";
import type { Input } from "./resolve-inputs.ts";

/** Where stdin comes from; tests inject their own. */
export type StdinFactory = () => AsyncIterable<Uint8Array>;

/** The process's stdin as a byte stream. */
export const processStdin: StdinFactory = () => Bun.stdin.stream();

/** Chunk size for plain files: large reads keep the per-chunk overhead small. */
const READ_CHUNK = 1 << 20;

/**
 * Opens an input as a stream of byte chunks. Files whose name ends in `.gz` are gunzipped as a
 * stream (never whole in memory). Read errors become a {@link PluginError} naming the input.
 */
export function openInput(input: Input, stdin: StdinFactory): AsyncIterable<Uint8Array> {
  if (input.path === undefined) return stdin();
  const path = input.path;
  const file = createReadStream(path, { highWaterMark: READ_CHUNK });
  const stream = input.name.endsWith(".gz") ? file.pipe(createGunzip({ chunkSize: 256 * 1024 })) : file;
  if (stream !== file) file.on("error", (error) => stream.destroy(error));
  return withErrorsNamed(stream as AsyncIterable<Uint8Array>, input.name);
}

async function* withErrorsNamed(stream: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const gz = name.endsWith(".gz") ? "cannot gunzip: " : "cannot read: ";
    throw new PluginError(gz + message, name);
  }
}
