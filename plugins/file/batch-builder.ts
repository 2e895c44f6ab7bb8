import { isEventBridgeEvent } from "../../src/envelope/event-shape.ts";
import type { InvalidRecord, SourceBatch, SourceRecord } from "../../src/sdk/index.ts";
import { findJsonSyntaxError, lineAndColumn } from "./json-error.ts";
import { LazyBytesRecord, LazyRecord } from "./lazy-record.ts";

/** Longest text kept in an invalid record (for the report and the failed-events file). */
export const INVALID_TEXT_LIMIT = 64 * 1024;

/**
 * Prefilters, parses and collects records into {@link SourceBatch}es. Shared by the NDJSON and
 * array readers; this is the hot path, so `add` does as little as it can per record.
 */
export class BatchBuilder {
  records: SourceRecord[] = [];
  invalid: InvalidRecord[] = [];
  prefiltered = 0;
  /** Lines or elements looked at for this batch (records, prefiltered, invalid). */
  private seen = 0;
  /** A batch ends after this many records looked at, so a selective prefilter still yields often. */
  private readonly seenLimit: number;

  /** In verify mode: a record of this batch is not a verified event, so the batch is not verified. */
  private unverified = false;

  /**
   * @param parse `false` collects the texts unparsed (`value` undefined): worker threads leave
   *   parsing to the main thread, since sending parsed objects back costs more than parsing.
   * @param verify `true` when nothing in the run reads parsed events
   *   (`SelectionPushdown.eventsUnread`): each record is parsed to check it is an EventBridge
   *   event, the parse is dropped, and the record parses again only if something reads its
   *   `value` (batches are marked `verified`). The parsed objects then die young instead of
   *   living through the engine's queues, which cost ~14% more CPU (paired runs, 300k events).
   */
  constructor(
    private readonly prefilter: ((text: string) => boolean) | undefined,
    private readonly batchSize: number,
    private readonly parse = true,
    private readonly verify = false,
  ) {
    this.seenLimit = batchSize * 16;
  }

  /**
   * Adds one record's JSON text. `line` and `column` (1-based) are where the text starts.
   * Returns `true` when the batch must be emitted now: full, or ended by an invalid record (so
   * the batch never holds records read after an invalid one).
   */
  add(text: string, file: string, line: number, column: number): boolean {
    const prefilter = this.prefilter;
    if (prefilter !== undefined && !prefilter(text)) {
      this.prefiltered++;
      return ++this.seen >= this.seenLimit;
    }
    let value: unknown;
    try {
      if (this.parse) value = JSON.parse(text);
    } catch (error) {
      this.addSyntaxError(text, file, line, column, error);
      return true;
    }
    return this.addParsed(value, text, file, line, column);
  }

  /**
   * Adds a record whose text was already parsed (and so is valid JSON), without a prefilter:
   * the array reader's line fast path. Returns `true` when the batch must be emitted now.
   */
  addParsed(value: unknown, text: string, file: string, line: number, column: number): boolean {
    const position = column === 0 ? file + ":" + line : file + ":" + line + ":" + column;
    if (!this.verify) this.records.push({ value, position, text });
    else if (isEventBridgeEvent(value)) this.records.push(new LazyRecord(text, position));
    else {
      // Not an event: the engine reports it; it keeps its value, and its batch is not verified.
      this.records.push({ value, position, text });
      this.unverified = true;
    }
    return this.records.length >= this.batchSize || ++this.seen >= this.seenLimit;
  }

  /**
   * Adds a record's text that is certainly a valid EventBridge event (the NDJSON reader's
   * validator, json-validate.ts, said so) without parsing it: in verify mode it becomes a lazy
   * record as {@link addParsed} would make it; otherwise this is {@link add}. The text prefilter
   * still applies. Returns `true` when the batch must be emitted now.
   */
  addEvent(text: string, file: string, line: number, column: number): boolean {
    if (!this.verify || !this.parse) return this.add(text, file, line, column);
    const prefilter = this.prefilter;
    if (prefilter !== undefined && !prefilter(text)) {
      this.prefiltered++;
      return ++this.seen >= this.seenLimit;
    }
    this.records.push(
      new LazyRecord(text, column === 0 ? file + ":" + line : file + ":" + line + ":" + column),
    );
    return this.records.length >= this.batchSize || ++this.seen >= this.seenLimit;
  }

  /**
   * {@link addEvent} for a record given as its bytes (a view nobody writes to again): in verify
   * mode without a text prefilter it becomes a lazy record that decodes only when read (a
   * `file:` target copies the bytes); otherwise the bytes are decoded and added as text.
   * `ascii`: they are all ASCII (decoded as latin1).
   */
  addEventBytes(bytes: Buffer, ascii: boolean, file: string, line: number, column = 0): boolean {
    if (!this.verify || !this.parse || this.prefilter !== undefined)
      return this.addEvent(bytes.toString(ascii ? "latin1" : "utf8"), file, line, column);
    this.records.push(
      new LazyBytesRecord(bytes, ascii, column === 0 ? file + ":" + line : file + ":" + line + ":" + column),
    );
    return this.records.length >= this.batchSize || ++this.seen >= this.seenLimit;
  }

  /**
   * Counts a record that a prefilter on raw bytes ruled out (never decoded). Returns `true`
   * when the batch must be emitted now, like {@link add}.
   */
  skipPrefiltered(): boolean {
    this.prefiltered++;
    return ++this.seen >= this.seenLimit;
  }

  /**
   * Records a record that could not be read; the caller must emit the batch next. `bytes` are
   * its original bytes when `text` cannot stand for them (invalid UTF-8): the failed-events file
   * keeps them as they were.
   */
  addInvalid(position: string, reason: string, text: string, bytes?: Uint8Array): void {
    this.invalid.push({
      position,
      reason,
      text: text.length > INVALID_TEXT_LIMIT ? text.slice(0, INVALID_TEXT_LIMIT) : text,
      ...(bytes && { bytes }),
    });
  }

  /** Whether anything was collected since the last {@link take}. */
  get isEmpty(): boolean {
    return this.records.length === 0 && this.invalid.length === 0 && this.prefiltered === 0;
  }

  /** Returns the collected batch and starts a new one. */
  take(): SourceBatch {
    const batch: SourceBatch = { records: this.records };
    if (this.verify && !this.unverified && this.records.length > 0) batch.verified = true;
    this.unverified = false;
    if (this.prefiltered > 0) batch.prefiltered = this.prefiltered;
    if (this.invalid.length > 0) batch.invalid = this.invalid;
    this.records = [];
    this.invalid = [];
    this.prefiltered = 0;
    this.seen = 0;
    return batch;
  }

  private addSyntaxError(text: string, file: string, line: number, column: number, error: unknown): void {
    const found = findJsonSyntaxError(text);
    const fallback =
      error instanceof Error ? error.message.replace(/^JSON Parse error: /, "") : String(error);
    const at = lineAndColumn(text, found?.offset ?? 0);
    const startColumn = column === 0 ? 1 : column;
    const errorLine = line + at.line;
    const errorColumn = at.line === 0 ? startColumn + at.column - 1 : at.column;
    this.addInvalid(
      `${file}:${errorLine}:${errorColumn}`,
      `invalid JSON: ${found?.message ?? fallback}`,
      text,
    );
  }
}
