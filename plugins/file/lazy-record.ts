/**
 * A record whose `value` is parsed from its text only when something reads it: the records of
 * a verified batch (`SourceBatch.verified`), whose texts a worker already parsed and checked.
 * In a match-all pass-through run the engine never reads `value` and a `file:` target writes
 * `text` unchanged, so those events are parsed once in all, in the worker.
 */
import type { SourceRecord } from "../../src/sdk/index.ts";

export class LazyRecord implements SourceRecord {
  private parsed: unknown;
  private done = false;

  constructor(
    readonly text: string,
    public position: string,
  ) {}

  /** The parsed text, parsed on the first read and kept. */
  get value(): unknown {
    if (!this.done) {
      this.parsed = JSON.parse(this.text);
      this.done = true;
    }
    return this.parsed;
  }

  /** Set by a consumer that replaces the value: kept as given. */
  set value(value: unknown) {
    this.parsed = value;
    this.done = true;
  }
}
