/**
 * The compiled binary reads S3 and DynamoDB exports, as a user without Bun runs it: a glob over
 * a gzipped archive in the S3 server (endpoint from AWS_ENDPOINT_URL_S3), a DynamoDB export in S3
 * through a pipeline file with an envelope, and the same export copied to disk (`file:<folder>`).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import { BINARY_ENV, buildSingle, removeTempDirs, run, type SingleBuild, tempDir } from "../dist/built.ts";
import {
  createBucketWith,
  S3_LOCAL_CREDENTIALS,
  S3_LOCAL_REGION,
  type S3Server,
  s3Server,
  uniqueBucketName,
} from "../services/s3-server.ts";
import { ndjson, putObjects } from "./support.ts";

let built: SingleBuild;
let server: S3Server;
let bucket: string;
let env: Record<string, string | undefined>;
const events = [...generateEvents({ count: 600, seed: 33 })];
const items = events
  .slice(0, 40)
  .map((e) => ({ Item: { id: { S: e.id }, time: { S: e.time }, n: { N: "12345678901234567890" } } }));
const exportFiles: Record<string, string | Uint8Array> = {
  "manifest-summary.json": JSON.stringify({ outputFormat: "DYNAMODB_JSON", itemCount: items.length }),
  "manifest-files.json": `${JSON.stringify({ dataFileS3Key: "x/AWSDynamoDB/e1/data/d1.json.gz" })}\n`,
  "data/d1.json.gz": gzipSync(ndjson(items)),
};

beforeAll(async () => {
  [built, server] = await Promise.all([buildSingle(), s3Server()]);
  bucket = uniqueBucketName("s3-binary");
  await createBucketWith(server.client(), bucket);
  const objects: Record<string, string> = {};
  for (let i = 0; i < 3; i++)
    objects[`events/2024/02/01/0${i}/p.gz`] = ndjson(events.slice(i * 200, i * 200 + 200));
  await putObjects(server.client(), bucket, objects);
  for (const [name, body] of Object.entries(exportFiles)) {
    await server
      .client()
      .send(new PutObjectCommand({ Bucket: bucket, Key: `x/AWSDynamoDB/e1/${name}`, Body: body }));
  }
  env = {
    ...BINARY_ENV,
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_LOCAL_REGION,
  };
}, 180_000);

afterAll(removeTempDirs);

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

const envelope = {
  id: "$.id",
  time: "$.time",
  source: { const: "com.example.export" },
  "detail-type": { const: "Item" },
  detail: "$",
};

test("the binary reads a glob of gzipped objects in key order", async () => {
  const dir = tempDir("s3-binary");
  const out = join(dir, "out.ndjson");
  const result = await run(
    [built.binary, "run", "--from", `s3://${bucket}/events/**/*.gz`, "--to", `file:${out}`],
    {
      env,
      timeoutMs: 60_000,
    },
  );
  expect(result.stderr).not.toContain("rror");
  expect(result.code).toBe(0);
  expect(lines(out)).toEqual(events);
}, 90_000);

test("the binary reads a DynamoDB export from S3 and from a folder on disk", async () => {
  const dir = tempDir("s3-binary-export");
  const folder = join(dir, "AWSDynamoDB", "e1");
  mkdirSync(join(folder, "data"), { recursive: true });
  for (const [name, body] of Object.entries(exportFiles)) writeFileSync(join(folder, name), body);
  for (const [name, uri] of [
    ["from-s3", `s3://${bucket}/x/AWSDynamoDB/e1/`],
    ["from-disk", `file:${folder}`],
  ] as const) {
    const out = join(dir, `${name}.ndjson`);
    const pipeline = join(dir, `${name}.json`);
    writeFileSync(pipeline, JSON.stringify({ source: uri, envelope, targets: [`file:${out}`] }));
    const result = await run([built.binary, "run", pipeline], { env, timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    const written = lines(out);
    expect(written.map((e) => e.id)).toEqual(items.map((i) => i.Item.id.S));
    expect(written[0].detail.n).toBe("12345678901234567890");
  }
}, 90_000);
