/**
 * The payload Lambda receives: the event exactly as EventBridge delivers it to a rule target.
 *
 * @module
 */
import { type Envelope, EVENTBRIDGE_EVENT_FIELDS } from "../../src/sdk/index.ts";

/**
 * The JSON text to send for an envelope. When the source kept the record's text and the record
 * is the event unchanged (`envelope.text`), those bytes are sent as they are (byte-faithful:
 * number formatting, key order and escapes survive). Otherwise the event is serialised with the
 * standard fields in EventBridge's order, followed by any other fields it carries.
 */
export function payloadText(envelope: Envelope): string {
  if (envelope.text !== undefined) return envelope.text;
  const event = envelope.event;
  const ordered: Record<string, unknown> = {};
  for (const field of EVENTBRIDGE_EVENT_FIELDS) if (field in event) ordered[field] = event[field];
  for (const field of Object.keys(event)) if (!(field in ordered)) ordered[field] = event[field];
  return JSON.stringify(ordered);
}
