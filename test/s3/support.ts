/**
 * Helpers for the S3 source's tests: a host, a source on a URL (config defaults applied), and
 * reading a source to the end with its cursors.
 */
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { FIREHOSE_LAYOUT } from "../../plugins/s3/date-layout.ts";
import { S3Source, type S3SourceConfig } from "../../plugins/s3/source.ts";
import {
  DEFAULT_PART_SIZE,
  DEFAULT_READ_AHEAD,
  DEFAULT_READ_AHEAD_BYTES,
} from "../../plugins/s3/source-plugin.ts";
import { createHost, disposeTempDirs } from "../../src/host/create-host.ts";
import type { Host, JsonValue, SourceBatch, SourceOpenContext } from "../../src/sdk/index.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../services/s3-server.ts";

const tempDirs: string[] = [];

/** A real host (logs collected in `log` when given). */
export function s3TestHost(log?: string[]): Host {
  return createHost({
    pluginName: "s3",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: process.cwd(),
    aws: {},
    stderr: { write: (text: string) => log?.push(text) },
    verbose: log !== undefined,
    tempDirs,
  });
}

/** Removes the temp dirs the hosts made (external sort runs). */
export async function disposeS3TestHosts(): Promise<void> {
  await disposeTempDirs(tempDirs);
}

/** An S3 source on `url` talking to `endpoint`, with the plugin's defaults for what is not given. */
export function s3SourceFor(
  url: string,
  endpoint: string,
  config: Partial<S3SourceConfig> = {},
  host = s3TestHost(),
): S3Source {
  const full: S3SourceConfig = {
    url,
    format: "auto",
    batchSize: 100,
    maxRecordBytes: 1 << 20,
    readAhead: DEFAULT_READ_AHEAD,
    readAheadBytes: DEFAULT_READ_AHEAD_BYTES,
    partSize: DEFAULT_PART_SIZE,
    dateLayout: FIREHOSE_LAYOUT,
    dateSlackSeconds: 900,
    sortRunSize: 100_000,
    ...config,
  };
  // Credentials and region as the SDK chain would find them; the endpoint as a user gives it.
  process.env.AWS_ACCESS_KEY_ID ??= S3_LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= S3_LOCAL_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION ??= S3_LOCAL_REGION;
  return new S3Source({ ...full, endpoint }, host);
}

/** What a read gave. */
export interface ReadOut {
  batches: SourceBatch[];
  values: unknown[];
  positions: string[];
  texts: Array<string | undefined>;
  invalid: string[];
  cursors: JsonValue[];
}

/** Opens and reads a source to the end (or `stopAfter` batches), closing it. */
export async function readSource(
  source: S3Source,
  ctx: Partial<SourceOpenContext> = {},
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<ReadOut> {
  const full: SourceOpenContext = { signal: new AbortController().signal, ...ctx };
  const out: ReadOut = { batches: [], values: [], positions: [], texts: [], invalid: [], cursors: [] };
  await source.open(full);
  try {
    for await (const batch of source.batches(full)) {
      out.batches.push(batch);
      for (const record of batch.records) {
        out.values.push(record.value);
        out.positions.push(record.position);
        out.texts.push(record.text);
      }
      for (const invalid of batch.invalid ?? []) out.invalid.push(`${invalid.position} ${invalid.reason}`);
      if (batch.cursor !== undefined) out.cursors.push(batch.cursor);
      if (out.batches.length >= stopAfter) break;
    }
  } finally {
    await source.close();
  }
  return out;
}

/** NDJSON text of `values`. */
export function ndjson(values: unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}

/** Puts objects (key → text, gzipped when `gzip` or the key ends in `.gz`). */
export async function putObjects(
  client: S3Client,
  bucket: string,
  objects: Record<string, string>,
  gzip = false,
): Promise<void> {
  for (const [key, text] of Object.entries(objects)) {
    const body = gzip || key.endsWith(".gz") ? gzipSync(text) : text;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
}
