import { constants } from "node:fs";
import { access, type FileHandle, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import {
  type BatchPolicy,
  type CheckResult,
  type Envelope,
  type Host,
  type ItemFailure,
  type PlannedAction,
  PluginError,
  type Target,
  type WriteResult,
} from "../../src/sdk/index.ts";
import { encodeNdjsonBytes } from "./ndjson-encode.ts";

/** Validated configuration of the `file` target. */
export interface FileTargetConfig {
  path: string;
  append: boolean;
}

/**
 * Writes events as NDJSON to a file, one event per line, so the output is itself a valid
 * `--from file:` source. The file is opened (truncated unless `append`) in `open`, never in a
 * dry run; `flush` fsyncs it.
 *
 * A write is all or a prefix: when the disk fills up (or any write error) mid-batch, the file is
 * cut back to the end of the last whole line, the lines written whole count as sent and the rest
 * fail, and the next write throws (the target is broken). A partial line is never left behind.
 */
export class FileTarget implements Target {
  readonly policy: BatchPolicy = { maxItems: 1000, maxInFlight: 1, lingerMs: 50 };
  /** Lines are written in order and a failure ends the batch there: several events of a key may share one. */
  readonly sameKey = "sequential" as const;
  /** Lines are the envelopes' texts when they have them (ndjson-encode.ts). */
  readonly writesText = true;
  private handle: FileHandle | undefined;
  private readonly absolute: string;
  /** Bytes in the file after the last whole line written (where a cut-off write is truncated to). */
  private offset = 0;
  private broken: string | undefined;

  constructor(
    private readonly config: FileTargetConfig,
    private readonly host: Host,
  ) {
    this.absolute = host.resolvePath(config.path);
  }

  async open(): Promise<void> {
    if (this.host.dryRun || this.handle) return;
    try {
      this.handle = await open(this.absolute, this.config.append ? "a" : "w");
      this.offset = this.config.append ? (await this.handle.stat()).size : 0;
    } catch (error) {
      throw new PluginError(`cannot open for writing: ${(error as Error).message}`, this.config.path);
    }
  }

  outputPaths(): string[] {
    return [this.absolute];
  }

  /** Read-only: the folder exists and is writable, and the path is not a folder. Creates nothing. */
  async check(): Promise<CheckResult> {
    const details: string[] = [];
    const folder = dirname(this.absolute);
    const folderInfo = await stat(folder).catch(() => undefined);
    if (!folderInfo?.isDirectory()) {
      return { ok: false, details: [`folder ${folder} does not exist`] };
    }
    const writable = await access(folder, constants.W_OK).then(
      () => true,
      () => false,
    );
    const existing = await stat(this.absolute).catch(() => undefined);
    if (existing?.isDirectory())
      return { ok: false, details: [`${this.config.path} is a folder, not a file`] };
    if (existing) {
      const fileWritable = await access(this.absolute, constants.W_OK).then(
        () => true,
        () => false,
      );
      if (!fileWritable) return { ok: false, details: [`${this.config.path} exists and is not writable`] };
      details.push(
        `${this.config.path} exists and will be ${this.config.append ? "appended to" : "overwritten"}`,
      );
    } else {
      if (!writable) return { ok: false, details: [`folder ${folder} is not writable`] };
      details.push(`${this.config.path} will be created in ${folder}`);
    }
    return { ok: true, details };
  }

  async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
    return batch.map((envelope, index) => ({
      index,
      action: "write",
      destination: this.config.path,
      preview: envelope.event,
    }));
  }

  async write(batch: readonly Envelope[]): Promise<WriteResult> {
    if (this.broken) throw new PluginError(`cannot write: ${this.broken}`, this.config.path);
    if (!this.handle) await this.open();
    if (!this.handle) throw new PluginError("write called in a dry run", this.config.path);
    const data = encodeNdjsonBytes(batch);
    let written = 0;
    try {
      // A write may take fewer bytes than asked (a short write): go on until all are written.
      while (written < data.byteLength) {
        const { bytesWritten } = await this.handle.write(data, written, data.byteLength - written);
        if (bytesWritten <= 0) throw Object.assign(new Error("no bytes written"), { code: "EIO" });
        written += bytesWritten;
      }
    } catch (error) {
      return this.cutOff(batch, data, written, error as NodeJS.ErrnoException);
    }
    this.offset += written;
    return { failures: [] };
  }

  /**
   * After a write error: keep the lines written whole, cut a partial last line, fail the rest.
   * Lines are counted by the newlines among the bytes written.
   */
  private async cutOff(
    batch: readonly Envelope[],
    data: Buffer,
    written: number,
    error: NodeJS.ErrnoException,
  ): Promise<WriteResult> {
    let whole = 0;
    let keep = 0;
    for (let i = 0; i < written; i++) {
      if (data[i] === 0x0a) {
        whole++;
        keep = i + 1;
      }
    }
    try {
      if (keep < written) await this.handle!.truncate(this.offset + keep);
    } catch {
      // A character device (`/dev/full`) has nothing to cut back.
    }
    this.offset += keep;
    const reason = `${error.code ?? "EIO"}: ${error.message}`;
    this.broken = reason;
    const failures: ItemFailure[] = [];
    for (let index = whole; index < batch.length; index++) {
      failures.push({
        index,
        retryable: false,
        code: error.code ?? "EIO",
        message: `not written to ${this.config.path}: ${error.message}`,
      });
    }
    return { failures };
  }

  async flush(): Promise<void> {
    try {
      await this.handle?.sync();
    } catch (error) {
      // Character devices and pipes (`/dev/null`, `/dev/stdout`) cannot be fsynced; nothing to make durable.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EINVAL" && code !== "ENOTSUP") {
        throw new PluginError(`cannot sync to disk: ${(error as Error).message}`, this.config.path);
      }
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
