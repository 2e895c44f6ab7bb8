import type { Host, Source, SourceBatch, SourceOpenContext } from "../../src/sdk/index.ts";
import { readJsonArray } from "./array-reader.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import {
  bytesFrom,
  checkCursor,
  type FileCursor,
  fileIdentity,
  shardInputs,
  stampCursors,
  startOf,
} from "./file-cursor.ts";
import { type ReaderOptions, readNdjson } from "./ndjson-reader.ts";
import { openInput, type StdinFactory } from "./open-input.ts";
import { readNdjsonParallel, WorkersUnavailable } from "./parallel-ndjson.ts";
import { type Input, resolveInputs } from "./resolve-inputs.ts";
import { sniff } from "./sniff.ts";
import { chooseWorkers } from "./worker-choice.ts";

/** Validated configuration of the `file` source. */
export interface FileSourceConfig {
  paths: string[];
  format: "auto" | "ndjson" | "array";
  batchSize: number;
  maxRecordBytes: number;
  /** Worker threads for plain NDJSON files; `undefined`: the source chooses (worker-choice.ts). */
  workers?: number;
}

/**
 * Reads NDJSON or JSON-array files (plain or `.gz`) and stdin, one input after the other, and
 * yields their records in file order.
 */
export class FileSource implements Source {
  readonly ordered = true;
  /** stdin cannot be read again, so a run reading it cannot resume (see file-cursor.ts). */
  readonly resumable: boolean;
  readonly sharding = "split" as const;
  readonly shardingNote =
    "by input: the sorted inputs round-robin, input j to shard j mod N (a key may span inputs)";
  private inputs: Input[] | undefined;
  private resume: FileCursor | undefined;

  constructor(
    private readonly config: FileSourceConfig,
    private readonly host: Host,
    private readonly stdin: StdinFactory,
  ) {
    this.resumable = !config.paths.includes("-");
  }

  /**
   * Expands globs and checks every file exists, so a typo fails before anything is read; keeps
   * this shard's inputs, and checks a resume cursor against them (a changed file is refused).
   */
  async open(ctx?: SourceOpenContext): Promise<void> {
    this.inputs = await this.prepare(ctx);
  }

  /** The files this source reads (after `open`), so the engine can refuse to overwrite one. */
  inputPaths(): string[] {
    return (this.inputs ?? []).flatMap((input) => (input.path ? [input.path] : []));
  }

  private async prepare(ctx: SourceOpenContext | undefined): Promise<Input[]> {
    const all = await resolveInputs(
      this.config.paths,
      (path) => this.host.resolvePath(path),
      ctx?.excludePaths ?? [],
    );
    const inputs = shardInputs(all, ctx?.shard);
    if (ctx?.resumeFrom !== undefined && ctx.resumeFrom !== null) {
      this.resume = await checkCursor(ctx.resumeFrom, inputs);
    }
    return inputs;
  }

  async *batches(ctx: SourceOpenContext): AsyncGenerator<SourceBatch> {
    const inputs = this.inputs ?? (await this.prepare(ctx));
    const names = inputs.map((input) => input.name);
    // The literal sets let lines be ruled out on raw bytes, before decoding (see byte-prefilter.ts).
    const bytePrefilter =
      ctx.prefilter !== undefined && (ctx.pushdown?.literals ?? ctx.prefilterLiterals) !== undefined
        ? compileBytePrefilter((ctx.pushdown?.literals ?? ctx.prefilterLiterals)!)
        : undefined;
    for (const [index, input] of inputs.entries()) {
      if (ctx.signal.aborted) return;
      const start = startOf(this.resume, index);
      if (start === undefined) continue;
      const identity = this.resumable && input.path ? await fileIdentity(input.path) : undefined;
      const { format: sniffed, rest: whole, close } = await sniff(openInput(input, this.stdin));
      const rest = await bytesFrom(input, whole, start);
      const format = this.config.format === "auto" ? sniffed : this.config.format;
      const options: ReaderOptions = {
        name: input.name,
        prefilter: ctx.prefilter,
        ...(bytePrefilter ? { bytePrefilter } : {}),
        batchSize: this.config.batchSize,
        maxRecordBytes: this.config.maxRecordBytes,
        signal: ctx.signal,
        startLine: start.line,
        // Nothing reads parsed events: check each record and drop its parse (batch-builder.ts).
        ...(ctx.pushdown?.eventsUnread === true && { verify: true }),
      };
      // Workers rebuild the prefilter from its literal sets: a closure cannot be sent to a worker.
      // When records pass through unmapped, the workers may match the pattern too, or, in a
      // match-all run, check each record's shape so batches go on verified (see ndjson-worker.ts).
      const pushdown = ctx.pushdown;
      const passThrough = pushdown?.passThrough === true || pushdown?.literals !== undefined;
      const literals =
        ctx.prefilter !== undefined ? (pushdown?.literals ?? ctx.prefilterLiterals) : undefined;
      const pattern = passThrough && literals !== undefined ? pushdown?.pattern : undefined;
      // Nothing in the run reads parsed events (the engine says so): the workers may check
      // each record and this thread hand them on unparsed.
      const matchAll = pushdown?.eventsUnread === true && literals === undefined;
      const workers = await chooseWorkers({
        configured: this.config.workers,
        format,
        path: input.path,
        gzipped: input.name.endsWith(".gz"),
        literals,
        pattern,
        matchAll,
      });
      // Workers read whole files: a read resumed inside a file stays on this thread.
      const parallel = workers > 0 && (literals !== undefined || matchAll) && start.offset === 0;
      let reader: AsyncIterable<SourceBatch>;
      if (parallel) {
        await close();
        reader = this.parallel(input, options, workers, literals, pattern, matchAll);
      } else {
        reader = format === "array" ? readJsonArray(rest, options) : readNdjson(rest, options);
      }
      this.host.log.debug(
        `reading ${input.name} as ${format}${parallel ? ` with ${workers} workers${pattern !== undefined ? " matching" : matchAll ? " verifying" : ""}` : ""}`,
      );
      try {
        const stamped = this.resumable
          ? stampCursors(reader, { files: names, index, identity, format, start })
          : reader;
        for await (const batch of stamped) {
          if (!this.resumable) delete batch.cursor;
          yield batch;
          // Stop promptly: leaving the loop closes the reader.
          if (ctx.signal.aborted) return;
        }
      } finally {
        await close();
      }
    }
  }

  /** Reads a plain NDJSON file with workers, or on this thread alone when they cannot start. */
  private async *parallel(
    input: Input,
    options: ReaderOptions,
    workers: number,
    literals: ReadonlyArray<readonly string[]> | undefined,
    pattern: unknown,
    matchAll: boolean,
  ): AsyncGenerator<SourceBatch> {
    try {
      yield* readNdjsonParallel({
        path: input.path!,
        name: input.name,
        workers,
        batchSize: options.batchSize,
        maxRecordBytes: options.maxRecordBytes,
        ...(literals ? { literals } : {}),
        ...(pattern !== undefined ? { pattern } : {}),
        ...(matchAll ? { verify: true } : {}),
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
