/**
 * A record whose `value` is parsed from its text only when something reads it: the records of
 * a verified batch (`SourceBatch.verified`), whose texts a worker already parsed and checked.
 * In a match-all pass-through run the engine never reads `value` and a `file:` target writes
 * `text` unchanged, so those events are parsed once in all, in the worker.
 */
import type { SourceRecord } from "../../src/sdk/index.ts";

/** The value parsed from `text` on its first read and kept (or as a consumer sets it). */
abstract class LazyValue implements SourceRecord {
  abstract readonly text: string;
  abstract position: string;
  private parsed: unknown;
  private done = false;

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

export class LazyRecord extends LazyValue {
  constructor(
    readonly text: string,
    public position: string,
  ) {
    super();
  }
}

/**
 * A {@link LazyRecord} given as its UTF-8 bytes: `text` is decoded on the first read too, so a
 * target that copies `bytes` (the `file` target) leaves the record neither decoded nor parsed.
 * `bytes` must be a view nobody writes to again (see `SourceRecord.bytes`).
 */
export class LazyBytesRecord extends LazyValue {
  private decoded: string | undefined;

  /** @param ascii the bytes are all ASCII: decoded as latin1, the cheapest. */
  constructor(
    readonly bytes: Buffer,
    private readonly ascii: boolean,
    public position: string,
  ) {
    super();
  }

  /** The bytes decoded, on the first read, and kept. */
  get text(): string {
    if (this.decoded === undefined) this.decoded = this.bytes.toString(this.ascii ? "latin1" : "utf8");
    return this.decoded;
  }
}
