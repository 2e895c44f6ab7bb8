/**
 * End to end through `rehydrate run` (in-process CLI) against the S3 server: a Firehose-style
 * archive by glob with a pattern → a file target, and a DynamoDB export in S3 mapped by an
 * envelope → a file target. The endpoint comes from AWS_ENDPOINT_URL_S3, as a user sets it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import {
  createBucketWith,
  S3_SERVER_HOOK_TIMEOUT_MS,
  type S3Server,
  s3Server,
  uniqueBucketName,
  useS3Env,
} from "../services/s3-server.ts";
import { runCli } from "../support/cli.ts";
import { ndjson, putObjects } from "./support.ts";

let server: S3Server;
let bucket: string;
let dir: string;
let restoreEnv: () => void;
const events = [...generateEvents({ count: 2000, seed: 21 })];

beforeAll(async () => {
  server = await s3Server();
  restoreEnv = useS3Env(server.endpoint);
  dir = mkdtempSync(join(tmpdir(), "rh-s3-e2e-"));
  bucket = uniqueBucketName("s3-cli");
  await createBucketWith(server.client(), bucket);
  const objects: Record<string, string> = {};
  for (let i = 0; i < 4; i++)
    objects[`events/2024/01/01/0${i}/part-${i}.gz`] = ndjson(events.slice(i * 500, i * 500 + 500));
  await putObjects(server.client(), bucket, objects);
  const items = events.slice(0, 50).map((e) => ({
    Item: {
      id: { S: e.id },
      time: { S: e.time },
      amount: { N: String((e.detail as { amount: number }).amount) },
    },
  }));
  await server.client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "exports/AWSDynamoDB/x1/data/a.json.gz",
      Body: gzipSync(ndjson(items)),
    }),
  );
  await putObjects(server.client(), bucket, {
    "exports/AWSDynamoDB/x1/manifest-summary.json": JSON.stringify({
      outputFormat: "DYNAMODB_JSON",
      itemCount: 50,
    }),
    "exports/AWSDynamoDB/x1/manifest-files.json": `${JSON.stringify({ dataFileS3Key: "exports/AWSDynamoDB/x1/data/a.json.gz" })}\n`,
  });
}, S3_SERVER_HOOK_TIMEOUT_MS);

afterAll(() => {
  restoreEnv?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const readLines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));

test("rehydrate run --from s3://…/**/*.gz --pattern … --to file: keeps the matching events in key order", async () => {
  const out = join(dir, "placed.ndjson");
  const pattern = { "detail-type": ["Order Placed"] };
  const result = await runCli([
    "run",
    "--from",
    `s3://${bucket}/events/2024/**/*.gz`,
    "--pattern",
    JSON.stringify(pattern),
    "--to",
    `file:${out}`,
  ]);
  expect(result.stderr).not.toContain("rror");
  expect(result.code).toBe(0);
  const expected = events.filter((e) => e["detail-type"] === "Order Placed");
  expect(expected.length).toBeGreaterThan(50);
  expect(readLines(out)).toEqual(expected);
});

test("--since/--until: objects of hours outside the range are skipped unread, the rest filtered by time", async () => {
  // A Firehose-like layout: hour h's object holds events of that hour (one every 30 s).
  const hourly = events.slice(0, 500).map((e, i) => {
    const hour = Math.floor(i / 100);
    const time = new Date(Date.UTC(2024, 0, 1, hour, 0, (i % 100) * 30)).toISOString().replace(".000Z", "Z");
    return { ...e, time };
  });
  const objects: Record<string, string> = {};
  for (let h = 0; h < 5; h++)
    objects[`hourly/2024/01/01/0${h}/part.gz`] = ndjson(hourly.slice(h * 100, h * 100 + 100));
  await putObjects(server.client(), bucket, objects);
  const out = join(dir, "window.ndjson");
  const since = "2024-01-01T01:20:00Z";
  const until = "2024-01-01T02:20:00Z";
  const result = await runCli([
    "run",
    "--from",
    `s3://${bucket}/hourly/**/*.gz`,
    "--since",
    since,
    "--until",
    until,
    "--to",
    `file:${out}`,
    "--verbose",
  ]);
  expect(result.code).toBe(0);
  const inRange = hourly.filter((e) => e.time >= since && e.time < until);
  expect(inRange.length).toBe(100);
  expect(readLines(out)).toEqual(inRange);
  // With the default 900 s slack: hour 00 ends (01:00 + 15 min) before since, hours 03 and 04
  // start (minus 15 min) after until: those three objects are never read.
  expect(result.stderr).toContain("3 objects skipped by date");
});

test("a DynamoDB export in S3, mapped by an envelope, through a pipeline file", async () => {
  const out = join(dir, "export.ndjson");
  const pipeline = join(dir, "export.json");
  writeFileSync(
    pipeline,
    JSON.stringify({
      source: { plugin: "s3", url: `s3://${bucket}/exports/AWSDynamoDB/x1/` },
      envelope: {
        id: "$.id",
        time: "$.time",
        source: { const: "com.example.export" },
        "detail-type": { const: "Item" },
        detail: "$",
      },
      targets: [{ uri: `file:${out}` }],
    }),
  );
  const result = await runCli(["run", pipeline]);
  expect(result.code).toBe(0);
  const written = readLines(out);
  expect(written).toHaveLength(50);
  expect(written[0].id).toBe(events[0]!.id);
  expect(written[0].detail).toEqual({
    id: events[0]!.id,
    time: events[0]!.time,
    amount: (events[0]!.detail as { amount: number }).amount,
  });
  // An export has no order: the run says so.
  expect(result.stderr).toContain("no particular order");
});
