import { defineSource, PluginError } from "../../src/sdk/index.ts";
import { dynamoDbJsonFileSource } from "./dynamodb-export-source.ts";
import type { StdinFactory } from "./open-input.ts";
import { FileSource, type FileSourceConfig } from "./source.ts";

/**
 * Default records per batch. Small on purpose: records that live for a whole batch survive young
 * collections, and measured here 128 used ~100 MiB less than 1000 at the same speed.
 */
export const DEFAULT_BATCH_SIZE = 128;

/** Default safety limit on one record (a line or an array element). */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * Builds the `file` source plugin. `-` reads the host's `stdio.stdin` (the CLI's stdin), unless
 * `stdin` is given (tests).
 */
export function createFileSourcePlugin(stdin?: StdinFactory) {
  return defineSource<FileSourceConfig>({
    kind: "source",
    name: "file",
    api: 1,
    summary: "Read events from NDJSON or JSON-array files (plain or .gz), globs, or stdin",
    config: {
      fields: {
        paths: {
          type: "string[]",
          required: true,
          description:
            "Files or globs to read, or `-` for stdin. Entries are read in the order given; a glob's matches " +
            "in byte order of their paths; each file fully before the next. `.gz` files are gunzipped. A " +
            "missing file or a glob matching nothing is an error. With --checkpoint a run resumes at the next " +
            "record's byte offset (a file changed since is refused; stdin cannot resume); --shard i/N gives input " +
            "j to shard j mod N.",
          example: ["events/2024-*.ndjson.gz"],
        },
        format: {
          type: "string",
          enum: ["auto", "ndjson", "array", "dynamodb-json"],
          default: "auto",
          description:
            "`ndjson` (one JSON value per line; blank lines skipped; CRLF accepted), `array` (one top-level " +
            "JSON array, streamed element by element), or `auto`: `array` when a file's first non-blank byte " +
            'is `[`, else `ndjson`. A UTF-8 BOM at the start is ignored. `dynamodb-json`: `{"Item": …}` lines of a ' +
            "DynamoDB table export, unmarshalled like the dynamodb source's items (unordered); chosen by itself when " +
            "the path is an export folder (it holds manifest-summary.json).",
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
          description:
            "Longest record (line or array element) in bytes; a longer one is reported invalid instead of " +
            "being held in memory.",
        },
        workers: {
          type: "integer",
          minimum: 0,
          description:
            "Workers (child processes; threads in the compiled binary) that read plain NDJSON files in byte " +
            "ranges: with the run's pattern they prefilter and match there, sending back only lines that may " +
            "match; in a match-all run into a text-writing target (file:, stdout:) they parse and check every " +
            "record (0: never). Unset: the source chooses, for files of 64 MiB or more: one worker per other " +
            "core (at most 3) with 3 or more cores, 2 of them idle (cores minus the load average); on 2 cores " +
            "they cost more CPU than they save, so none. " +
            "Each worker adds ~60 MiB of memory. Same records, order and positions either way (see " +
            "docs/performance.md for the figures).",
        },
      },
      fromUri(rest) {
        if (rest === "") throw new PluginError("give a path, a glob or `-`: file:<path|glob>", "file:");
        return { paths: [rest] };
      },
      examples: [
        ["One NDJSON file", "file:events.ndjson"],
        ["Every gzipped file of a folder, in name order", "file:archive/*.ndjson.gz"],
        ["stdin", "file:-"],
        [
          "Pipeline file: several files, format forced",
          "source: { plugin: file, paths: [a.json, b.json], format: array }",
        ],
      ],
    },
    create: (config, host) =>
      dynamoDbJsonFileSource(config, host, stdin ?? (() => host.stdio.stdin)) ??
      new FileSource(config, host, stdin ?? (() => host.stdio.stdin)),
  });
}

/** The `file` source: `--from file:<path|glob>`. */
export const fileSource = createFileSourcePlugin();
