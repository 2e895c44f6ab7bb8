import type { Host, Source, SourceBatch, SourceOpenContext } from "../../src/sdk/index.ts";
import { readJsonArray } from "./array-reader.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { type ReaderOptions, readNdjson } from "./ndjson-reader.ts";
import { openInput, type StdinFactory } from "./open-input.ts";
import { readNdjsonParallel, WorkersUnavailable } from "./parallel-ndjson.ts";
import { type Input, resolveInputs } from "./resolve-inputs.ts";
import { sniff } from "./sniff.ts";

/** Validated configuration of the `file` source. */
export interface FileSourceConfig {
  paths: string[];
  format: "auto" | "ndjson" | "array";
  batchSize: number;
  maxRecordBytes: number;
  workers: number;
}

/**
 * Reads NDJSON or JSON-array files (plain or `.gz`) and stdin, one input after the other, and
 * yields their records in file order.
 */
export class FileSource implements Source {
  readonly ordered = true;
  private inputs: Input[] | undefined;

  constructor(
    private readonly config: FileSourceConfig,
    private readonly host: Host,
    private readonly stdin: StdinFactory,
  ) {}

  /** Expands globs and checks every file exists, so a typo fails before anything is read. */
  async open(): Promise<void> {
    this.inputs = await resolveInputs(this.config.paths, (path) => this.host.resolvePath(path));
  }

  async *batches(ctx: SourceOpenContext): AsyncGenerator<SourceBatch> {
    const inputs =
      this.inputs ?? (await resolveInputs(this.config.paths, (path) => this.host.resolvePath(path)));
    // The literal sets let lines be ruled out on raw bytes, before decoding (see byte-prefilter.ts).
    const bytePrefilter =
      ctx.prefilter !== undefined && ctx.prefilterLiterals !== undefined
        ? compileBytePrefilter(ctx.prefilterLiterals)
        : undefined;
    for (const input of inputs) {
      if (ctx.signal.aborted) return;
      const { format: sniffed, rest, close } = await sniff(openInput(input, this.stdin));
      const format = this.config.format === "auto" ? sniffed : this.config.format;
      const options: ReaderOptions = {
        name: input.name,
        prefilter: ctx.prefilter,
        ...(bytePrefilter ? { bytePrefilter } : {}),
        batchSize: this.config.batchSize,
        maxRecordBytes: this.config.maxRecordBytes,
        signal: ctx.signal,
      };
      // Workers rebuild the prefilter from its literal sets: a closure cannot be sent to a worker.
      const literals = ctx.prefilterLiterals;
      const parallel =
        this.config.workers > 0 &&
        format === "ndjson" &&
        input.path !== undefined &&
        !input.name.endsWith(".gz") &&
        // Workers pay off only by skipping lines; parsing stays on this thread (see ndjson-worker.ts).
        ctx.prefilter !== undefined &&
        literals !== undefined;
      let reader: AsyncIterable<SourceBatch>;
      if (parallel) {
        await close();
        reader = this.parallel(input, options, literals);
      } else {
        reader = format === "array" ? readJsonArray(rest, options) : readNdjson(rest, options);
      }
      this.host.log.debug(
        `reading ${input.name} as ${format}${parallel ? ` with ${this.config.workers} workers` : ""}`,
      );
      try {
        for await (const batch of reader) {
          yield batch;
          // Stop promptly: leaving the loop closes the reader.
          if (ctx.signal.aborted) return;
        }
      } finally {
        await close();
      }
    }
  }

  /** Reads a plain NDJSON file with worker threads, or on this thread when they cannot start. */
  private async *parallel(
    input: Input,
    options: ReaderOptions,
    literals: ReadonlyArray<readonly string[]> | undefined,
  ): AsyncGenerator<SourceBatch> {
    try {
      yield* readNdjsonParallel({
        path: input.path!,
        name: input.name,
        workers: this.config.workers,
        batchSize: options.batchSize,
        maxRecordBytes: options.maxRecordBytes,
        ...(literals ? { literals } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // Only thrown before the first batch, so starting over on one thread repeats nothing.
      if (!(error instanceof WorkersUnavailable)) throw error;
      this.host.log.warn(
        `worker threads unavailable (${error.message}); reading ${input.name} on one thread`,
      );
      const { rest } = await sniff(openInput(input, this.stdin));
      yield* readNdjson(rest, options);
    }
  }
}
