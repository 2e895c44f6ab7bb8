/**
 * DynamoDB table exports: items written to DynamoDB Local, then exported the way
 * `export-table-to-point-in-time` writes them (manifest-summary.json, manifest-files.json,
 * gzipped `{"Item": …}` data files in DynamoDB JSON, made from a Scan of the stored items), read
 * from a folder on disk by the file source and from the S3 server by the s3 source: both give
 * the same records as the dynamodb source's Scan of the table (big numbers exact, sets, binary).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  sourceFor as dynamoDbSourceFor,
  putItems,
  readAll,
  scanAll,
} from "../../plugins/dynamodb/test-support.ts";
import { fileSource } from "../../plugins/file/source-plugin.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { SourceRecord } from "../../src/sdk/index.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";
import {
  createBucketWith,
  S3_SERVER_HOOK_TIMEOUT_MS,
  type S3Server,
  s3Server,
  uniqueBucketName,
} from "../services/s3-server.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { disposeS3TestHosts, readSource, s3SourceFor, s3TestHost } from "./support.ts";

const EXPORT_ID = "01700000000000-abcdef12";
const PREFIX = `exports/orders/AWSDynamoDB/${EXPORT_ID}/`;

let s3: S3Server;
let bucket: string;
let scanned: unknown[];
let folder: string;
let tempRoot: string | undefined;
let restoreEnv: (() => void) | undefined;

/** Items with every attribute type, some numbers beyond double precision. */
function makeItems(count: number): Array<Record<string, AttributeValue>> {
  const random = seededRandom(5);
  return Array.from({ length: count }, (_, i) => {
    const item: Record<string, AttributeValue> = {
      pk: { S: `ORDER#${i % 37}` },
      sk: { N: String(i) },
      amount: { N: (Math.round(random() * 100_000) / 100).toString() },
      big: { N: `1234567890123456789${i}` },
      tiny: { N: "0.000000000000000000000000000001" },
      blob: { B: Uint8Array.from([i % 256, 0, 255, 10, 13]) },
      tags: { SS: [`t${i % 3}`, "all"] },
      scores: { NS: ["1", "99999999999999999999", "0.5"] },
      blobs: { BS: [Uint8Array.from([1, 2]), Uint8Array.from([i % 256])] },
      detail: {
        M: {
          status: { S: i % 5 === 0 ? "Archived" : "Placed" },
          lines: { L: [{ N: "1" }, { S: 'two \u2028 "q" \\' }, { NULL: true }, { BOOL: i % 2 === 0 }] },
        },
      },
    };
    if (i % 7 === 0) item.optional = { NULL: true };
    return item;
  });
}

/** The item as an export writes it: DynamoDB JSON with binary as base64 text. */
function exportJson(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.M !== undefined)
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, exportJson(v)])) };
  if (value.L !== undefined) return { L: value.L.map(exportJson) };
  return value;
}

/** The export's files, relative to its folder: manifests and 3 data files (one of them empty). */
function exportFiles(items: Array<Record<string, AttributeValue>>): Record<string, Uint8Array | string> {
  const parts = [items.slice(0, 250), [], items.slice(250)];
  const files: Record<string, Uint8Array | string> = {};
  const manifest: string[] = [];
  parts.forEach((part, i) => {
    const name = `data/${["x7hg3", "empty0", "a1b2c"][i]}.json.gz`;
    files[name] = gzipSync(
      part
        .map(
          (item) =>
            `${JSON.stringify({ Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, exportJson(v)])) })}\n`,
        )
        .join(""),
    );
    manifest.push(
      JSON.stringify({
        itemCount: part.length,
        md5Checksum: "x",
        etag: "y",
        dataFileS3Key: `${PREFIX}${name}`,
      }),
    );
  });
  files["manifest-files.json"] = `${manifest.join("\n")}\n`;
  files["manifest-summary.json"] = JSON.stringify({
    version: "2020-06-30",
    exportArn: `arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/${EXPORT_ID}`,
    s3Bucket: "exports",
    s3Prefix: "exports/orders",
    manifestFilesS3Key: `${PREFIX}manifest-files.json`,
    itemCount: items.length,
    outputFormat: "DYNAMODB_JSON",
    exportType: "FULL_EXPORT",
  });
  return files;
}

const byKey = (values: unknown[]) =>
  [...values].sort((a, b) => {
    const x = a as { pk: string; sk: number };
    const y = b as { pk: string; sk: number };
    return x.pk < y.pk ? -1 : x.pk > y.pk ? 1 : x.sk - y.sk;
  });

beforeAll(
  async () => {
    const [dynamo, s3server] = await Promise.all([dynamoDbLocal(), s3Server()]);
    s3 = s3server;
    restoreEnv = useLocalAwsEnv(dynamo.endpoint);
    const client = dynamo.client();
    const table = uniqueTableName("export-src");
    await createTable(client, table, [
      { name: "pk", type: "S" },
      { name: "sk", type: "N" },
    ]);
    await putItems(client, table, makeItems(600));
    const stored = await scanAll(client, table);
    const records = await readAll(dynamoDbSourceFor({ table, endpoint: dynamo.endpoint }));
    scanned = records.map((r: SourceRecord) => r.value);
    expect(scanned).toHaveLength(600);

    const files = exportFiles(stored);
    const root = mkdtempSync(join(tmpdir(), "rehydrate-export-"));
    tempRoot = root;
    folder = join(root, "AWSDynamoDB", EXPORT_ID);
    mkdirSync(join(folder, "data"), { recursive: true });
    for (const [name, body] of Object.entries(files)) writeFileSync(join(folder, name), body);
    bucket = uniqueBucketName("s3-export");
    await createBucketWith(s3.client(), bucket);
    for (const [name, body] of Object.entries(files)) {
      await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}${name}`, Body: body }));
    }
  },
  Math.max(DYNAMODB_LOCAL_HOOK_TIMEOUT_MS, S3_SERVER_HOOK_TIMEOUT_MS),
);

afterAll(async () => {
  restoreEnv?.();
  if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  await disposeS3TestHosts();
});

/** The file source on `paths`, built as the engine builds it (validated config). */
async function readFileSource(raw: Record<string, unknown>) {
  const config = validatePluginConfig("file", fileSource.config, raw, "test");
  const source = await fileSource.create(config as never, s3TestHost());
  const ctx = { signal: new AbortController().signal };
  await source.open?.(ctx);
  const values: unknown[] = [];
  const positions: string[] = [];
  const invalid: string[] = [];
  for await (const batch of source.batches(ctx)) {
    for (const r of batch.records) {
      values.push(r.value);
      positions.push(r.position);
    }
    for (const i of batch.invalid ?? []) invalid.push(`${i.position} ${i.reason}`);
  }
  await source.close?.();
  return { source, values, positions, invalid };
}

describe("a DynamoDB export gives the records a Scan gives", () => {
  test("from a folder on disk (auto-detected by manifest-summary.json), unordered", async () => {
    const out = await readFileSource({ paths: [folder] });
    expect(out.source.ordered).toBe(false);
    expect(byKey(out.values)).toEqual(byKey(scanned));
    expect(out.positions[0]).toBe(join(folder, "data/x7hg3.json.gz:1"));
    // The manifest's order: x7hg3 (250 items), the empty file, then a1b2c.
    expect(out.positions[250]).toBe(join(folder, "data/a1b2c.json.gz:1"));
    const big = out.values.find((v) => (v as { sk: number }).sk === 3) as Record<string, unknown>;
    expect(big.big).toBe("12345678901234567893");
    expect(big.blob).toBe(Buffer.from([3, 0, 255, 10, 13]).toString("base64"));
    expect(big.scores).toEqual([0.5, 1, "99999999999999999999"]);
  });

  test("from the S3 server, auto-detected, and sorted with sortBy like a Scan", async () => {
    const source = s3SourceFor(`s3://${bucket}/${PREFIX}`, s3.endpoint);
    const out = await readSource(source);
    expect(source.ordered).toBe(false);
    expect(byKey(out.values)).toEqual(byKey(scanned));
    expect(out.texts.every((t) => t === undefined)).toBe(true);
    const sortedSource = s3SourceFor(`s3://${bucket}/${PREFIX}manifest-summary.json`, s3.endpoint, {
      sortBy: ["pk", "sk"],
      sortRunSize: 100,
    });
    const sorted = await readSource(sortedSource);
    expect(sortedSource.ordered).toBe(true);
    expect(sorted.values).toEqual(byKey(scanned));
  });

  test("format dynamodb-json on plain files; a line that is not an item is invalid, at its position", async () => {
    const dir = join(tempRoot!, "loose");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "items.json"),
      '{"Item":{"id":{"S":"a"},"n":{"N":"1"}}}\n{"Nope":1}\n{"Item":{"id":{"S":"b"}}}\n',
    );
    const out = await readFileSource({ paths: [join(dir, "items.json")], format: "dynamodb-json" });
    expect(out.values).toEqual([{ id: "a", n: 1 }, { id: "b" }]);
    expect(out.invalid).toEqual([
      `${join(dir, "items.json")}:2 no "Item": not a line of a DynamoDB JSON export`,
    ]);
  });
});
