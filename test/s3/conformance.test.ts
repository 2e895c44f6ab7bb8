/**
 * The plugin conformance kit on the `s3` source (an archive of mixed objects, and a DynamoDB export)
 * and on the file source reading an export folder.
 */
import { beforeAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { fileSource } from "../../plugins/file/source-plugin.ts";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import { sourceConformance, testHost } from "../../src/sdk/testing/index.ts";
import {
  createBucketWith,
  S3_SERVER_HOOK_TIMEOUT_MS,
  s3Server,
  uniqueBucketName,
} from "../services/s3-server.ts";
import { ndjson, putObjects, s3SourceFor } from "./support.ts";

const events = [...generateEvents({ count: 300, seed: 9 })];

/** Puts the data once (the first `make` waits for the server and the uploads). */
const data = (async () => {
  const server = await s3Server();
  const bucket = uniqueBucketName("s3-conformance");
  const client = server.client();
  await createBucketWith(client, bucket);
  await putObjects(client, bucket, {
    "a/1.ndjson.gz": ndjson(events.slice(0, 100)),
    "a/2.ndjson": ndjson(events.slice(100, 200)),
    "a/3.json": JSON.stringify(events.slice(200, 300)),
  });
  const items = events.slice(0, 120).map((e) => ({ Item: { id: { S: e.id }, t: { S: e.time } } }));
  const prefix = "exp/AWSDynamoDB/e/";
  for (const [name, body] of Object.entries({
    "manifest-summary.json": JSON.stringify({ outputFormat: "DYNAMODB_JSON" }),
    "manifest-files.json": ["d1", "d2"]
      .map((d) => JSON.stringify({ dataFileS3Key: `${prefix}data/${d}.json.gz` }))
      .join("\n"),
    "data/d1.json.gz": gzipSync(ndjson(items.slice(0, 70))),
    "data/d2.json.gz": gzipSync(ndjson(items.slice(70))),
  })) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: body }));
  }
  return { endpoint: server.endpoint, bucket };
})();
// Until a test awaits it, a failed start must not be an unhandled rejection.
data.catch(() => {});
// The first start may download the server's jar: wait for it with the harness's long timeout.
beforeAll(() => data, S3_SERVER_HOOK_TIMEOUT_MS);

sourceConformance({
  name: "s3 (gzip, NDJSON and array objects)",
  records: 300,
  async make() {
    const { endpoint, bucket } = await data;
    return s3SourceFor(`s3://${bucket}/a/`, endpoint, { batchSize: 30 }, testHost());
  },
});

sourceConformance({
  name: "s3 (DynamoDB export)",
  records: 120,
  async make() {
    const { endpoint, bucket } = await data;
    return s3SourceFor(`s3://${bucket}/exp/AWSDynamoDB/e/`, endpoint, { batchSize: 25 }, testHost());
  },
});

/** The same export as a folder on disk, read by the file source. */
const folder = (async () => {
  const root = mkdtempSync(join(tmpdir(), "rh-s3-conformance-"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, "AWSDynamoDB", "e");
  mkdirSync(join(dir, "data"), { recursive: true });
  const items = events.slice(0, 90).map((e) => ({ Item: { id: { S: e.id }, t: { S: e.time } } }));
  writeFileSync(join(dir, "manifest-summary.json"), JSON.stringify({ outputFormat: "DYNAMODB_JSON" }));
  writeFileSync(
    join(dir, "manifest-files.json"),
    ["d1", "d2"]
      .map((d) => JSON.stringify({ dataFileS3Key: `p/AWSDynamoDB/e/data/${d}.json.gz` }))
      .join("\n"),
  );
  writeFileSync(join(dir, "data/d1.json.gz"), gzipSync(ndjson(items.slice(0, 40))));
  writeFileSync(join(dir, "data/d2.json.gz"), gzipSync(ndjson(items.slice(40))));
  return dir;
})();

sourceConformance({
  name: "file (DynamoDB export folder)",
  records: 90,
  async make() {
    const dir = await folder;
    const config = validatePluginConfig("file", fileSource.config, { paths: [dir], batchSize: 20 }, "test");
    return fileSource.create(config as never, testHost());
  },
});
