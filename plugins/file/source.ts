import type { Host, Source, SourceBatch, SourceOpenContext } from "../../src/sdk/index.ts";
import { readJsonArray } from "./array-reader.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { openInput, type StdinFactory } from "./open-input.ts";
import { type Input, resolveInputs } from "./resolve-inputs.ts";
import { sniff } from "./sniff.ts";

/** Validated configuration of the `file` source. */
export interface FileSourceConfig {
  paths: string[];
  format: "auto" | "ndjson" | "array";
  batchSize: number;
  maxRecordBytes: number;
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
    for (const input of inputs) {
      if (ctx.signal.aborted) return;
      const { format: sniffed, rest } = await sniff(openInput(input, this.stdin));
      const format = this.config.format === "auto" ? sniffed : this.config.format;
      const options = {
        name: input.name,
        prefilter: ctx.prefilter,
        batchSize: this.config.batchSize,
        maxRecordBytes: this.config.maxRecordBytes,
        signal: ctx.signal,
      };
      this.host.log.debug(`reading ${input.name} as ${format}`);
      const reader = format === "array" ? readJsonArray(rest, options) : readNdjson(rest, options);
      for await (const batch of reader) {
        yield batch;
        // Stop promptly: leaving the loop closes the reader and its file.
        if (ctx.signal.aborted) return;
      }
    }
  }
}
