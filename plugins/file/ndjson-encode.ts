import type { Envelope } from "../../src/sdk/index.ts";

/**
 * One NDJSON line per envelope: its EventBridge event. When the source kept the record's text
 * and the event is that record unchanged (`envelope.text`), those bytes are written as they are
 * (the same JSON value, and about as costly to write as to re-serialise is saved); text holding
 * a line break (a pretty-printed array element) is re-serialised so each event stays one line.
 */
export function encodeNdjson(batch: readonly Envelope[]): string {
  let out = "";
  for (const envelope of batch) {
    const text = envelope.text;
    out +=
      (text !== undefined && text.indexOf("\n") === -1 && text.indexOf("\r") === -1
        ? text
        : JSON.stringify(envelope.event)) + "\n";
  }
  return out;
}
