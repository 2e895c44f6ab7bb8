/**
 * DynamoDB table exports (`aws dynamodb export-table-to-point-in-time`, format `DYNAMODB_JSON`):
 * the manifests and the `{"Item": {...}}` lines of their data files, shared by the file source
 * (an export folder on disk) and the S3 source (the export in its bucket).
 *
 * An export folder (`<prefix>/AWSDynamoDB/<export id>/`) holds `manifest-summary.json`,
 * `manifest-files.json` (one JSON object per line naming a data file by its S3 key) and
 * `data/*.json.gz`. Each data line is one item in DynamoDB JSON; it is unmarshalled exactly as the
 * `dynamodb` source turns a Scan's items into records (`plugins/dynamodb/attribute-values.ts`):
 * numbers a double cannot hold stay exact strings, sets become arrays, binary becomes base64.
 *
 * Not supported: incremental exports (`NewImage`/`OldImage` lines) and the `ION` format; both
 * are refused with a message naming the manifest.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { type Host, PluginError, type SourceBatch, type SourceRecord } from "../../src/sdk/index.ts";
import { itemToJson } from "../dynamodb/attribute-values.ts";
import { compareJsonValues } from "../dynamodb/sort-compare.ts";

/** The file that marks a folder as a DynamoDB export. */
export const EXPORT_SUMMARY = "manifest-summary.json";
/** The data-file list of an export. */
export const EXPORT_FILES = "manifest-files.json";

/** What the rest of rehydrate needs from `manifest-summary.json`. */
export interface ExportSummary {
  /** The S3 key of `manifest-files.json` as the export wrote it. */
  manifestFilesS3Key?: string;
  itemCount?: number;
  exportArn?: string;
}

/** Parses `manifest-summary.json`; refuses formats this reader does not handle. */
export function parseExportSummary(text: string, where: string): ExportSummary {
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(`not valid JSON (${(error as Error).message})`, where);
  }
  const format = summary.outputFormat;
  if (format !== undefined && format !== "DYNAMODB_JSON") {
    throw new PluginError(`export format ${String(format)} is not supported (only DYNAMODB_JSON)`, where);
  }
  if (summary.exportType === "INCREMENTAL_EXPORT") {
    throw new PluginError("incremental exports are not supported (only full exports)", where);
  }
  const out: ExportSummary = {};
  if (typeof summary.manifestFilesS3Key === "string") out.manifestFilesS3Key = summary.manifestFilesS3Key;
  if (typeof summary.itemCount === "number") out.itemCount = summary.itemCount;
  if (typeof summary.exportArn === "string") out.exportArn = summary.exportArn;
  return out;
}

/**
 * The data files of an export, as paths relative to the export folder (`data/…json.gz`), in the
 * manifest's order. The manifest names them by their full S3 key (`<prefix>/AWSDynamoDB/<id>/data/…`),
 * so the part up to and including the export folder is dropped: the folder can be copied to
 * disk or to another prefix and still be read.
 */
export function parseExportFiles(text: string, where: string): string[] {
  const files: string[] = [];
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    if (raw.trim() === "") continue;
    let entry: { dataFileS3Key?: unknown };
    try {
      entry = JSON.parse(raw) as { dataFileS3Key?: unknown };
    } catch (error) {
      throw new PluginError(`not valid JSON (${(error as Error).message})`, `${where}:${line}`);
    }
    if (typeof entry.dataFileS3Key !== "string") {
      throw new PluginError("no dataFileS3Key", `${where}:${line}`);
    }
    files.push(relativeDataPath(entry.dataFileS3Key));
  }
  return files;
}

/** `prefix/AWSDynamoDB/0123-abc/data/x.json.gz` → `data/x.json.gz`. */
function relativeDataPath(key: string): string {
  const at = key.lastIndexOf("/data/");
  if (at !== -1) return key.slice(at + 1);
  const slash = key.lastIndexOf("/");
  return `data/${key.slice(slash + 1)}`;
}

/**
 * Converts a line's `Item` (DynamoDB JSON, binary as base64 text) to the SDK's AttributeValues,
 * so the `dynamodb` source's conversion applies unchanged. Returns a reason when it is not an item.
 */
function toAttributeValues(value: unknown): Record<string, AttributeValue> | string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const item = (value as { Item?: unknown }).Item;
  if (item === undefined) {
    if ("NewImage" in value || "OldImage" in value)
      return "an incremental-export line (NewImage/OldImage) is not supported";
    return 'no "Item": not a line of a DynamoDB JSON export';
  }
  if (item === null || typeof item !== "object" || Array.isArray(item)) return '"Item" is not an object';
  const out: Record<string, AttributeValue> = {};
  for (const name in item as Record<string, unknown>) {
    const converted = attribute((item as Record<string, unknown>)[name]);
    if (typeof converted === "string") return `attribute "${name}": ${converted}`;
    out[name] = converted;
  }
  return out;
}

function attribute(value: unknown): AttributeValue | string {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return "not an AttributeValue object";
  const v = value as Record<string, unknown>;
  if (typeof v.B === "string") return { B: Buffer.from(v.B, "base64") };
  if (Array.isArray(v.BS)) return { BS: v.BS.map((b) => Buffer.from(String(b), "base64")) };
  if (v.M !== undefined) {
    if (v.M === null || typeof v.M !== "object") return '"M" is not an object';
    const m: Record<string, AttributeValue> = {};
    for (const name in v.M as Record<string, unknown>) {
      const inner = attribute((v.M as Record<string, unknown>)[name]);
      if (typeof inner === "string") return `${name}: ${inner}`;
      m[name] = inner;
    }
    return { M: m };
  }
  if (v.L !== undefined) {
    if (!Array.isArray(v.L)) return '"L" is not an array';
    const l: AttributeValue[] = [];
    for (const element of v.L) {
      const inner = attribute(element);
      if (typeof inner === "string") return inner;
      l.push(inner);
    }
    return { L: l };
  }
  if (
    typeof v.S === "string" ||
    typeof v.N === "string" ||
    typeof v.BOOL === "boolean" ||
    v.NULL === true ||
    Array.isArray(v.SS) ||
    Array.isArray(v.NS)
  ) {
    return v as unknown as AttributeValue;
  }
  return `unknown AttributeValue ${JSON.stringify(value).slice(0, 80)}`;
}

/**
 * Turns one batch of parsed export lines into records holding the unmarshalled items (without
 * `text`: the record is no longer the line). A line that is not an item becomes an invalid record;
 * since a batch must end at an invalid record, the batch is split there, and only the last part
 * keeps the cursor (the parts before it have none: a resume from the previous cursor may repeat
 * them, never skip them).
 */
export function exportBatches(batch: SourceBatch): SourceBatch[] {
  const out: SourceBatch[] = [];
  let records: SourceRecord[] = [];
  for (const record of batch.records) {
    const item = toAttributeValues(record.value);
    if (typeof item === "string") {
      out.push({
        records,
        invalid: [
          { position: record.position, reason: item, text: record.text ?? JSON.stringify(record.value) },
        ],
      });
      records = [];
      continue;
    }
    records.push({ value: itemToJson(item), position: record.position });
  }
  const last: SourceBatch = { records };
  if (batch.prefiltered) last.prefiltered = batch.prefiltered;
  if (batch.invalid) last.invalid = batch.invalid;
  if (batch.cursor !== undefined) last.cursor = batch.cursor;
  out.push(last);
  return out;
}

/** Records per batch when a sorted stream is re-batched (as the `dynamodb` source does). */
const SORTED_BATCH = 1000;

/**
 * Sorts the records of `batches` by `sortBy` (JSON paths, ties broken by the next) with the
 * host's bounded-memory external sort, with the `dynamodb` source's ordering of values. Invalid
 * records cannot be sorted: they stop the sort with an error naming the first one.
 */
export async function* sortedBatches(
  host: Host,
  batches: AsyncIterable<SourceBatch>,
  sortBy: readonly string[],
  runSize: number,
  signal: AbortSignal,
): AsyncGenerator<SourceBatch> {
  const getters = sortBy.map((path) => host.jsonPath(path));
  const records = (async function* () {
    for await (const batch of batches) {
      const bad = batch.invalid?.[0];
      if (bad) throw new PluginError(`cannot sort past an invalid record: ${bad.reason}`, bad.position);
      yield* batch.records;
    }
  })();
  const compare = (a: SourceRecord, b: SourceRecord) => {
    for (const get of getters) {
      const c = compareJsonValues(get(a.value), get(b.value));
      if (c !== 0) return c;
    }
    return 0;
  };
  let batch: SourceRecord[] = [];
  for await (const record of host.sort(records, { compare, runSize })) {
    batch.push(record);
    if (batch.length >= SORTED_BATCH) {
      yield { records: batch };
      batch = [];
    }
    if (signal.aborted) return;
  }
  if (batch.length > 0) yield { records: batch };
}
