/**
 * The payload Lambda receives: the event exactly as EventBridge delivers it to a rule target, or
 * what the target's input options (`input`, `inputPath`, `inputTransformer`) make of it.
 *
 * @module
 */
import {
  compileTargetInput,
  type RenderedInput,
  type TargetInputOptions,
} from "../../src/routes/input-transformer.ts";
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

/**
 * Builds the payload function of a target from its input options: the event itself when none
 * is set, else what EventBridge would send. Throws a PluginError naming the field when the
 * options are invalid (the config validator normally caught that already).
 */
export function payloadBuilder(
  options: TargetInputOptions,
  where?: string,
): (envelope: Envelope) => RenderedInput {
  const render = compileTargetInput(options, where);
  if (!render) return (envelope) => ({ ok: true, text: payloadText(envelope) });
  return (envelope) => render(envelope.event, () => payloadText(envelope));
}

/** The dry run's preview of a transformed payload: the JSON it sends, or why it sends nothing. */
export function previewOf(rendered: RenderedInput): unknown {
  if (!rendered.ok) return `not sent: ${rendered.reason}`;
  return JSON.parse(rendered.text);
}
