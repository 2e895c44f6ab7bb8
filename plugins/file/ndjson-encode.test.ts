import { describe, expect, test } from "bun:test";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { encodeNdjson, encodeNdjsonBytes } from "./ndjson-encode.ts";

const event = (detail: unknown): EventBridgeEvent =>
  ({ source: "s", "detail-type": "t", detail }) as EventBridgeEvent;
const envelope = (e: EventBridgeEvent, text?: string): Envelope =>
  ({ event: e, position: "x:1", seq: 0, record: e, ...(text === undefined ? {} : { text }) }) as Envelope;

describe("encodeNdjsonBytes", () => {
  test("gives the UTF-8 bytes of encodeNdjson, for every kind of text", () => {
    const texts = [
      '{"source":"s","detail-type":"t","detail":{}}',
      '{"source":"s","detail-type":"t","detail":{"n":"café ☕ 😀 \u2028"}}',
      // A lone surrogate: both must write U+FFFD's bytes in its place.
      `{"source":"s","detail-type":"t","detail":{"n":"\ud800"}}`,
      '{\n  "source": "s", "detail-type": "t", "detail": {}\n}',
      '{"source":"s",\r"detail-type":"t","detail":{}}',
    ];
    const batch = [
      ...texts.map((text) => envelope(JSON.parse(text) as EventBridgeEvent, text)),
      envelope(event({ re: "serialised" })),
      envelope(event({ long: "é".repeat(10_000) })),
    ];
    const bytes = encodeNdjsonBytes(batch);
    expect(Buffer.compare(bytes, Buffer.from(encodeNdjson(batch), "utf8"))).toBe(0);
    // Line breaks inside a text are re-serialised away: one line per envelope.
    expect(bytes.toString("utf8").split("\n")).toHaveLength(batch.length + 1);
  });

  test("an empty batch is no bytes", () => {
    expect(encodeNdjsonBytes([]).byteLength).toBe(0);
  });

  test("an envelope's bytes are copied as they are, unless they hold a line break", () => {
    const text = '{"source":"s","detail-type":"t","detail":{"n":"café"}}';
    const withCr = '{"source":"s",\r"detail-type":"t","detail":{}}';
    const batch = [
      { ...envelope(JSON.parse(text) as EventBridgeEvent, text), bytes: Buffer.from(text) },
      { ...envelope(JSON.parse(withCr) as EventBridgeEvent, withCr), bytes: Buffer.from(withCr) },
    ] as Envelope[];
    expect(encodeNdjsonBytes(batch).toString("utf8")).toBe(
      `${text}\n${JSON.stringify(JSON.parse(withCr))}\n`,
    );
    // Bytes win over the text (they are the source's own): here they differ to show it.
    const odd = [{ ...envelope(JSON.parse(text) as EventBridgeEvent, text), bytes: Buffer.from("{}") }];
    expect(encodeNdjsonBytes(odd as Envelope[]).toString("utf8")).toBe("{}\n");
  });
});
