import { EVENTBRIDGE_EVENT_FIELDS, type EventBridgeEvent } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";
import { compileJsonPath } from "../util/json-path.ts";
import { isEventBridgeEvent, toEventTime } from "./event-shape.ts";

/** The EventBridge fields a mapping may set. */
const FIELDS = EVENTBRIDGE_EVENT_FIELDS;
type Field = (typeof FIELDS)[number];

/**
 * `preset: putEvents` maps records shaped like PutEvents entries or CDC rows
 * (`{"Source","DetailType","Detail","Time","Resources"}`, `Detail` as an object or a JSON string).
 */
const PRESETS: Record<string, Partial<Record<Field, string>>> = {
  putEvents: {
    source: "$.Source",
    "detail-type": "$.DetailType",
    detail: "$.Detail",
    time: "$.Time",
    resources: "$.Resources",
    id: "$.Id",
  },
};

/** Turns one record into an EventBridge event, or explains why it cannot. */
export type EnvelopeMapper = (record: unknown, position: string) => EventBridgeEvent | string;

/** Defaults for fields the record and the mapping do not give. */
export interface EnvelopeDefaults {
  account: string;
  region: string;
  /** ISO time used when no time is mapped or found. */
  time: string;
}

/**
 * Builds the record → event mapper from the pipeline's `envelope` config.
 *
 * With no config, EventBridge-shaped records pass through as they are, and any other record is
 * reported invalid with a hint (guessing a shape would silently send wrong events).
 * With config, every record is mapped: each field is a JSON path into the record, or
 * `{const: value}`; `preset: putEvents` fills the PutEvents-style paths. Fields not mapped get
 * defaults (`version` "0", a stable `id` derived from the position, the run's account, region
 * and start time, `resources` []). A `detail` that is a string holding JSON is parsed, as
 * EventBridge itself stores `Detail` as a string.
 */
export function createEnvelopeMapper(
  config: Record<string, unknown> | undefined,
  defaults: EnvelopeDefaults,
): EnvelopeMapper {
  if (!config) {
    return (record) =>
      isEventBridgeEvent(record)
        ? record
        : 'not an EventBridge event (it needs "source", "detail-type" and "detail"); add an `envelope` mapping to the pipeline';
  }
  const where = "envelope";
  const spec: Partial<Record<Field, unknown>> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === "preset") {
      const preset = PRESETS[String(value)];
      if (!preset)
        throw new ConfigError(
          `unknown preset ${JSON.stringify(value)} (known: ${Object.keys(PRESETS).join(", ")})`,
          where,
        );
      for (const [field, path] of Object.entries(preset)) if (!(field in config)) spec[field as Field] = path;
      continue;
    }
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`unknown key "${key}" (known: preset, ${FIELDS.join(", ")})`, where);
    }
    spec[key as Field] = value;
  }
  const getters = Object.entries(spec).map(
    ([field, value]) => [field as Field, compileField(field, value)] as const,
  );
  if (!spec.detail) getters.push(["detail", (record: unknown) => record]);

  return (record, position) => {
    const event: Record<string, unknown> = {};
    for (const [field, get] of getters) {
      const value = get(record);
      if (value !== undefined) event[field] = value;
    }
    if (typeof event.detail === "string" && /^\s*[[{]/.test(event.detail)) {
      try {
        event.detail = JSON.parse(event.detail);
      } catch {
        return `"detail" is a string that looks like JSON but does not parse`;
      }
    }
    if (typeof event.source !== "string") return missing("source", spec.source);
    if (typeof event["detail-type"] !== "string") return missing("detail-type", spec["detail-type"]);
    if (event.detail === undefined) return missing("detail", spec.detail);
    const time = toEventTime(event.time);
    if (typeof time === "object") return time.invalid;
    return {
      version: typeof event.version === "string" ? event.version : "0",
      id: event.id === undefined ? stableId(position) : String(event.id),
      "detail-type": event["detail-type"],
      source: event.source,
      account: typeof event.account === "string" ? event.account : defaults.account,
      time: time ?? defaults.time,
      region: typeof event.region === "string" ? event.region : defaults.region,
      resources: Array.isArray(event.resources) ? event.resources.map(String) : [],
      detail: event.detail,
    };
  };
}

function compileField(field: string, value: unknown): (record: unknown) => unknown {
  if (typeof value === "string") return compileJsonPath(value);
  if (value !== null && typeof value === "object" && "const" in value) {
    const constant = (value as { const: unknown }).const;
    return () => constant;
  }
  throw new ConfigError(
    `"${field}" must be a JSON path string or {const: value}, got ${JSON.stringify(value)}`,
    "envelope",
  );
}

function missing(field: string, mapped: unknown): string {
  return mapped === undefined
    ? `the record has no "${field}" and the envelope mapping sets none`
    : `"${field}" is missing or not a string at ${JSON.stringify(mapped)}`;
}

/** A UUID-shaped id derived from the record's position, stable across runs of the same input. */
export function stableId(position: string): string {
  const h1 = Bun.hash.wyhash(position, 1n).toString(16).padStart(16, "0");
  const h2 = Bun.hash.wyhash(position, 2n).toString(16).padStart(16, "0");
  const hex = h1 + h2;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
