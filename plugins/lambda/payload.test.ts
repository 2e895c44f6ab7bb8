import { expect, test } from "bun:test";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { payloadText } from "./payload.ts";

const event: EventBridgeEvent = {
  detail: { a: 1 },
  "replay-name": "r1",
  resources: [],
  region: "eu-west-1",
  time: "2024-01-01T00:00:00Z",
  account: "1",
  source: "s",
  "detail-type": "T",
  id: "x",
  version: "0",
};
const envelope = (extra: Partial<Envelope> = {}): Envelope => ({
  event,
  position: "f:1",
  seq: 0,
  record: event,
  ...extra,
});

test("mapped events are written in EventBridge's field order, extra fields after", () => {
  expect(payloadText(envelope())).toBe(
    '{"version":"0","id":"x","detail-type":"T","source":"s","account":"1","time":"2024-01-01T00:00:00Z",' +
      '"region":"eu-west-1","resources":[],"detail":{"a":1},"replay-name":"r1"}',
  );
});

test("the source's text is sent byte for byte", () => {
  const text = '{ "version":"0", "detail":{"n":1.0e2} }';
  expect(payloadText(envelope({ text }))).toBe(text);
});
