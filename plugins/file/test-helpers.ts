/** Helpers for the file plugins' tests: a real host, temp dirs, and reading a source fully. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Host, SourceBatch } from "../../src/sdk/index.ts";
import { testHost as kitHost } from "../../src/sdk/testing/index.ts";
import type { StdinFactory } from "./open-input.ts";
import type { FileSourceConfig } from "./source.ts";
import { createFileSourcePlugin, DEFAULT_MAX_RECORD_BYTES } from "./source-plugin.ts";

/** A real host whose relative paths resolve against `baseDir`; log lines are collected. */
export function testHost(baseDir: string, options: { dryRun?: boolean; log?: string[] } = {}): Host {
  return kitHost({
    baseDir,
    ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
    ...(options.log && { logs: options.log }),
  });
}

/** Makes a temp dir and returns it with a cleanup function. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "rehydrate-file-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Everything a source read, flattened. */
export interface ReadResult {
  batches: SourceBatch[];
  values: unknown[];
  positions: string[];
  texts: Array<string | undefined>;
  invalid: Array<{ position: string; reason: string; text: string }>;
  prefiltered: number;
}

/** Opens the file source on `config` (relative to `dir`) and reads it to the end. */
export async function readAll(
  dir: string,
  config: Partial<FileSourceConfig> & { paths: string[] },
  options: {
    prefilter?: (text: string) => boolean;
    /** The prefilter's literal sets, for worker threads (an extra context field, see README). */
    literals?: string[][];
    stdin?: StdinFactory;
    log?: string[];
  } = {},
): Promise<ReadResult> {
  const plugin = createFileSourcePlugin(options.stdin);
  const full: FileSourceConfig = {
    format: "auto",
    batchSize: 1000,
    workers: 0,
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
    ...config,
  };
  const source = await plugin.create(full, testHost(dir, options.log ? { log: options.log } : {}));
  const ctx = {
    signal: new AbortController().signal,
    prefilter: options.prefilter,
    ...(options.literals ? { prefilterLiterals: options.literals } : {}),
  };
  await source.open?.(ctx);
  const result: ReadResult = {
    batches: [],
    values: [],
    positions: [],
    texts: [],
    invalid: [],
    prefiltered: 0,
  };
  try {
    for await (const batch of source.batches(ctx)) {
      result.batches.push(batch);
      for (const record of batch.records) {
        result.values.push(record.value);
        result.positions.push(record.position);
        result.texts.push(record.text);
      }
      result.invalid.push(...(batch.invalid ?? []));
      result.prefiltered += batch.prefiltered ?? 0;
    }
  } finally {
    await source.close?.();
  }
  return result;
}

/** A stdin stand-in that yields the given chunks. */
export function stdinOf(...chunks: Array<string | Uint8Array>): StdinFactory {
  return async function* () {
    for (const chunk of chunks) yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
  };
}
