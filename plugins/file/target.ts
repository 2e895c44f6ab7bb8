import { constants } from "node:fs";
import { access, type FileHandle, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import {
  type BatchPolicy,
  type CheckResult,
  type Envelope,
  type Host,
  type PlannedAction,
  PluginError,
  type Target,
  type WriteResult,
} from "../../src/sdk/index.ts";
import { encodeNdjson } from "./ndjson-encode.ts";

/** Validated configuration of the `file` target. */
export interface FileTargetConfig {
  path: string;
  append: boolean;
}

/**
 * Writes events as NDJSON to a file, one event per line, so the output is itself a valid
 * `--from file:` source. The file is opened (truncated unless `append`) in `open`, never in a
 * dry run; `flush` fsyncs it.
 */
export class FileTarget implements Target {
  readonly policy: BatchPolicy = { maxItems: 1000, maxInFlight: 1, lingerMs: 50 };
  private handle: FileHandle | undefined;
  private readonly absolute: string;

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
    } catch (error) {
      throw new PluginError(`cannot open for writing: ${(error as Error).message}`, this.config.path);
    }
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
    if (!this.handle) await this.open();
    if (!this.handle) throw new PluginError("write called in a dry run", this.config.path);
    try {
      await this.handle.write(encodeNdjson(batch));
    } catch (error) {
      // A failed file write (disk full, I/O error) breaks the whole target.
      throw new PluginError(`cannot write: ${(error as Error).message}`, this.config.path);
    }
    return { failures: [] };
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
