import { defineSource, PLUGIN_API_VERSION, PluginError } from "../../src/sdk/index.ts";
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_BYTES } from "../file/source-plugin.ts";
import { FIREHOSE_LAYOUT } from "./date-layout.ts";
import { parseS3Url } from "./s3-url.ts";
import { S3Source, type S3SourceConfig } from "./source.ts";

/**
 * Ranged GETs in flight ahead of the bytes being parsed: objects are fetched several at a time,
 * and an object larger than {@link DEFAULT_PART_SIZE} in parts over several connections; parts
 * are parsed strictly in order. Measured here (scripts/bench/s3.ts, 1M events in 16 objects):
 * 4 ahead with 32 MiB raised the peak RSS to ~290 MB and read no faster on 2 cores, 3 with
 * 12 MiB to ~215 MB, 2 with 8 MiB stayed at ~180-190 MB.
 */
export const DEFAULT_READ_AHEAD = 2;
/** Bytes the GETs in flight and the one being parsed may buffer together (see above). */
export const DEFAULT_READ_AHEAD_BYTES = 8 * 1024 * 1024;
/**
 * Bytes per ranged GET of a large object. Each GET costs client CPU: reading 200 MB from the
 * loopback server took ~1.2-1.4 s of CPU in 3 MiB parts, ~0.9-1.2 s in 16 MiB parts and ~0.75 s
 * whole, so only objects beyond the sizes Firehose writes (≤ 128 MiB, mostly far less) are split.
 */
export const DEFAULT_PART_SIZE = 64 * 1024 * 1024;

/** The `s3` source: `--from s3://bucket/prefix/…`. */
export const s3Source = defineSource<S3SourceConfig>({
  kind: "source",
  name: "s3",
  api: PLUGIN_API_VERSION,
  summary:
    "Read events from S3 objects (NDJSON or JSON arrays, plain or gzip, globs, key order) or a DynamoDB export",
  config: {
    fields: {
      url: {
        type: "string",
        required: true,
        description:
          "`s3://<bucket>/<key, prefix or glob>`. A glob uses the file source's syntax (`*`, `**`, `?`, `[…]`, `{a,b}`); " +
          "a key names one object, or the folder `key/` when no object has that key; a prefix ending in `/` reads " +
          "everything under it. Objects are read in key order (UTF-8 bytes, as S3 lists them); keys ending in `/` " +
          "are skipped. A folder holding manifest-summary.json is read as a DynamoDB export.",
        example: "s3://archive/events/2024/**/*.gz",
      },
      format: {
        type: "string",
        enum: ["auto", "ndjson", "array", "dynamodb-json"],
        default: "auto",
        description:
          "As for the file source: `auto` tells a JSON array (first non-blank byte `[`) from NDJSON per object; " +
          'gzip is recognised by a `.gz` key or the gzip magic bytes. `dynamodb-json`: `{"Item": …}` lines of ' +
          "a DynamoDB table export, unmarshalled like the dynamodb source's items (chosen by itself for an export folder).",
      },
      endpoint: {
        type: "string",
        description:
          "Endpoint URL of an S3-compatible server. Without it the SDK's chain applies, including AWS_ENDPOINT_URL_S3; " +
          "with either, requests use path-style addressing.",
      },
      batchSize: {
        type: "integer",
        minimum: 1,
        default: DEFAULT_BATCH_SIZE,
        description: "Most records in one batch handed to the engine.",
      },
      maxRecordBytes: {
        type: "integer",
        minimum: 1,
        default: DEFAULT_MAX_RECORD_BYTES,
        description: "Longest record (line or array element) in bytes; a longer one is reported invalid.",
      },
      readAhead: {
        type: "integer",
        minimum: 0,
        default: DEFAULT_READ_AHEAD,
        description:
          "GETs in flight ahead of the bytes being parsed: small objects are fetched several at a time, a large one " +
          "in parts (partSize) over several connections; everything is parsed in order.",
      },
      readAheadBytes: {
        type: "integer",
        minimum: 1,
        default: DEFAULT_READ_AHEAD_BYTES,
        description:
          "Bytes (as stored, before gunzip) the part being parsed and those fetched ahead may hold in memory together.",
      },
      partSize: {
        type: "integer",
        minimum: 65536,
        default: DEFAULT_PART_SIZE,
        description:
          "Objects larger than this (with a size and ETag from the listing) are read in ranged GETs of this many bytes, " +
          "several in flight (readAhead), each buffering at most readAheadBytes / (readAhead + 1).",
      },
      dateLayout: {
        type: "string",
        default: FIREHOSE_LAYOUT,
        description:
          "Where keys carry a date, with YYYY, MM, DD, HH, mm: with --since/--until, objects whose date window " +
          "(widened by dateSlackSeconds) lies outside the range are skipped unread. Firehose's default layout is the " +
          'default; keys without it are always read; "" turns skipping off.',
        example: "dt=YYYY-MM-DD/",
      },
      dateSlackSeconds: {
        type: "integer",
        minimum: 0,
        default: 900,
        description:
          "How far an event's time may lie outside its key's date window (Firehose dates objects by arrival, " +
          "up to its 900 s buffering after the event).",
      },
      sortBy: {
        type: "string[]",
        description:
          "For DynamoDB JSON (an export is unordered, like a Scan): sort the items by these JSON paths with the " +
          "engine's bounded-memory external sort, as the dynamodb source's sortBy does. A sorted read cannot resume.",
        example: ["time", "id"],
      },
      sortRunSize: {
        type: "integer",
        minimum: 1,
        default: 100_000,
        description: "With `sortBy`: items sorted in memory before a run is spilled to a temp file.",
      },
      listPageSize: {
        type: "integer",
        minimum: 1,
        description: "Keys per ListObjectsV2 page (MaxKeys); the server's default (1000) when absent.",
      },
    },
    fromUri(rest) {
      const url = `s3:${rest}`;
      if (!rest.startsWith("//")) throw new PluginError("expected s3://<bucket>/<prefix or glob>", url);
      parseS3Url(url);
      return { url };
    },
    validate(config) {
      try {
        parseS3Url(String(config.url));
        return [];
      } catch (error) {
        return [`url: ${(error as Error).message}`];
      }
    },
    examples: [
      [
        "Every gzipped object of a Firehose archive for 2024, in key (time) order",
        "s3://archive/events/2024/**/*.gz",
      ],
      ["One object", "s3://archive/events/2024/05/01/00/stream-1-2024-05-01-00-00-00-abc.gz"],
      ["A DynamoDB table export", "s3://exports/orders/AWSDynamoDB/01700000000000-abcdef12/"],
      [
        "Pipeline file: an S3-compatible server, another date layout",
        "source: { plugin: s3, url: 's3://archive/dt=2024-05-01/', endpoint: 'http://127.0.0.1:9000', dateLayout: 'dt=YYYY-MM-DD/' }",
      ],
    ],
  },
  create: (config, host) => new S3Source(config, host),
});
