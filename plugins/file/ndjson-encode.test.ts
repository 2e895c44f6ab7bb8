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
});
