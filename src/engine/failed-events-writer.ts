import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Writes failed events as NDJSON, one event per line, so the file is itself a valid
 * `--from` source. Buffered: a run with many failures does not make a syscall per event.
 */
export class FailedEventsWriter {
  private fd: number | undefined;
  private buffer: string[] = [];
  private bufferedChars = 0;
  /** Lines written so far. */
  count = 0;

  constructor(readonly path: string) {}

  /** Adds one line (JSON text without a newline). Newlines inside raw invalid text are flattened. */
  write(line: string): void {
    const flat = line.includes("\n") ? line.replace(/\r?\n/g, " ") : line;
    this.buffer.push(flat);
    this.bufferedChars += flat.length + 1;
    this.count++;
    if (this.bufferedChars > 1 << 20) this.flush();
  }

  /** Writes buffered lines to disk, creating (truncating) the file on first use. */
  flush(): void {
    if (this.buffer.length === 0) return;
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "w");
    }
    writeSync(this.fd, this.buffer.join("\n") + "\n");
    this.buffer = [];
    this.bufferedChars = 0;
  }

  /** Flushes, syncs and closes. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
