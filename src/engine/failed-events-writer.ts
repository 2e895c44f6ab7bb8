import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { errorMessage } from "../util/error-message.ts";

const NEWLINE = new Uint8Array([0x0a]);

/**
 * Writes failed events as NDJSON, one event per line, so the file is itself a valid
 * `--from` source. Buffered: a run with many failures does not make a syscall per event.
 *
 * The file is created (truncated) by {@link open} before the first event is read, so a run never
 * leaves an earlier run's failures behind, and a dry run (which never opens it) never touches it.
 * A write error does not throw into the target that settled the event: it is kept in
 * {@link error} and the engine stops the run naming this file, not the target.
 */
export class FailedEventsWriter {
  private fd: number | undefined;
  private buffer: Array<string | Uint8Array> = [];
  private bufferedBytes = 0;
  /** Lines taken so far. */
  count = 0;
  /** The first write error; once set, nothing more is written. */
  error: string | undefined;

  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Creates or truncates the file. Throws (before any event is read) when it cannot. */
  open(append = false): void {
    this.fd = openSync(this.path, append ? "a" : "w");
  }

  /**
   * Adds one record: its original text or bytes (without a newline). Line breaks inside raw
   * invalid text are flattened so one record stays one line; bytes are kept as they were.
   */
  write(record: string | Uint8Array): void {
    if (this.error) return;
    const line = typeof record === "string" && record.includes("\n") ? record.replace(/\r?\n/g, " ") : record;
    this.buffer.push(line);
    this.bufferedBytes += (typeof line === "string" ? line.length * 3 : line.byteLength) + 1;
    this.count++;
    if (this.bufferedBytes > 1 << 20) this.flush();
  }

  /** Writes buffered lines to the file. */
  flush(): void {
    if (this.buffer.length === 0 || this.error || this.fd === undefined) return;
    const chunks: Uint8Array[] = [];
    for (const line of this.buffer) {
      chunks.push(typeof line === "string" ? Buffer.from(line, "utf8") : line, NEWLINE);
    }
    this.buffer = [];
    this.bufferedBytes = 0;
    const data = Buffer.concat(chunks);
    try {
      let offset = 0;
      while (offset < data.byteLength) offset += writeSync(this.fd, data, offset);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Makes everything written so far durable (before a checkpoint moves past those events). */
  sync(): void {
    this.flush();
    if (this.fd === undefined || this.error) return;
    try {
      fsyncSync(this.fd);
    } catch (error) {
      // Pipes and character devices cannot be synced; there is nothing more to make durable.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EINVAL" && code !== "ENOTSUP") this.fail(error);
    }
  }

  /** Flushes, syncs and closes. */
  close(): void {
    this.sync();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch (error) {
        this.fail(error);
      }
      this.fd = undefined;
    }
  }

  private fail(error: unknown): void {
    if (this.error) return;
    this.error = `cannot write the failed-events file ${this.path}: ${errorMessage(error)}`;
    this.onError(this.error);
  }
}
