/**
 * S3 faults through a fault-injecting proxy in front of the real S3 server: 503 SlowDown on
 * listings and reads, and connections cut mid-object. The records read must be exactly those
 * of a clean read, in the same order, with the same positions: nothing lost, nothing repeated.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import {
  createBucketWith,
  S3_SERVER_HOOK_TIMEOUT_MS,
  type S3Server,
  s3Server,
  uniqueBucketName,
} from "../services/s3-server.ts";
import { type S3FaultProxy, startS3FaultProxy } from "./fault-proxy.ts";
import { disposeS3TestHosts, ndjson, putObjects, readSource, s3SourceFor } from "./support.ts";

let server: S3Server;
let proxy: S3FaultProxy;
let bucket: string;
const events = [...generateEvents({ count: 3000, seed: 11 })];

beforeAll(async () => {
  server = await s3Server();
  proxy = await startS3FaultProxy(server.endpoint);
  bucket = uniqueBucketName("s3-faults");
  await createBucketWith(server.client(), bucket);
  const objects: Record<string, string> = {};
  for (let i = 0; i < 6; i++) {
    // Plain and gzipped objects: a cut in a gzipped body resumes below the gunzip.
    objects[`f/${i}.ndjson${i % 2 === 0 ? "" : ".gz"}`] = ndjson(events.slice(i * 500, i * 500 + 500));
  }
  await putObjects(server.client(), bucket, objects);
}, S3_SERVER_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await proxy?.stop();
  await disposeS3TestHosts();
});

test("503 SlowDown on listing pages and GETs, and cuts mid-object, lose or repeat nothing", async () => {
  const url = `s3://${bucket}/f/`;
  const clean = await readSource(s3SourceFor(url, proxy.endpoint, { listPageSize: 2 }));
  expect(clean.values).toEqual(events);
  proxy.clear();
  proxy.add(
    { method: "GET", path: /list-type=2/, fault: "slowdown", times: 3 },
    { method: "GET", path: /\/f\/0\.ndjson/, fault: "cut", afterBytes: 1000, times: 1 },
    { method: "GET", path: /\/f\/0\.ndjson/, fault: "slowdown", times: 1 },
    { method: "GET", path: /\/f\/0\.ndjson/, fault: "cut", afterBytes: 70_000, times: 1 },
    { method: "GET", path: /\/f\/1\.ndjson\.gz/, fault: "cut", afterBytes: 5000, times: 2 },
    { method: "GET", path: /\/f\/4\.ndjson/, fault: "slowdown", times: 2 },
    { method: "GET", path: /\/f\/5\.ndjson\.gz/, fault: "cut", afterBytes: 1, times: 1 },
  );
  const source = s3SourceFor(url, proxy.endpoint, { listPageSize: 2, readAhead: 2 });
  const faulty = await readSource(source);
  expect(faulty.values).toEqual(clean.values);
  expect(faulty.positions).toEqual(clean.positions);
  expect(faulty.invalid).toEqual([]);
  const faults = proxy.requests.filter((r) => r.fault);
  expect(faults.filter((r) => r.fault === "slowdown")).toHaveLength(6);
  expect(faults.filter((r) => r.fault === "cut")).toHaveLength(5);
  expect(source.retries.throttled).toBe(6);
  expect(source.retries.transient).toBe(5);
});

test("an object read in ranged parts: after a cut, the next GET asks for the rest of that part only", async () => {
  const url = `s3://${bucket}/f/0.ndjson`;
  const size = Buffer.byteLength(ndjson(events.slice(0, 500)));
  const part = 256 * 1024;
  expect(size).toBeGreaterThan(part);
  // One part in flight at a time (readAhead 0), so the requests come in a fixed order.
  const config = { readAhead: 0, readAheadBytes: part, partSize: part };
  const clean = await readSource(s3SourceFor(url, proxy.endpoint, config));
  proxy.clear();
  proxy.add(
    { method: "GET", path: /\/f\/0\.ndjson\?x-id=GetObject/, fault: "cut", afterBytes: 1000, times: 1 },
    { method: "GET", path: /\/f\/0\.ndjson\?x-id=GetObject/, fault: "slowdown", times: 1 },
    { method: "GET", path: /\/f\/0\.ndjson\?x-id=GetObject/, fault: "cut", afterBytes: 70_000, times: 1 },
  );
  const faulty = await readSource(s3SourceFor(url, proxy.endpoint, config));
  expect(faulty.values).toEqual(clean.values);
  expect(faulty.values).toEqual(events.slice(0, 500));
  const gets = proxy.requests.filter((r) => r.method === "GET" && r.path.includes("/f/0.ndjson?"));
  expect(gets.map((r) => r.range)).toEqual([
    `bytes=0-${part - 1}`,
    `bytes=1000-${part - 1}`,
    `bytes=1000-${part - 1}`,
    `bytes=71000-${part - 1}`,
    `bytes=${part}-${size - 1}`,
  ]);
  // Every part from the version listed.
  expect(new Set(gets.map((r) => r.ifMatch)).size).toBe(1);
  expect(gets[0]!.ifMatch).toBeDefined();
});

test("a server that keeps cutting the body before its first byte stops the run with a one-line error naming the object", async () => {
  proxy.clear();
  proxy.add({ method: "GET", path: /\/f\/2\.ndjson/, fault: "cut", afterBytes: 0, times: 100 });
  const failing = readSource(s3SourceFor(`s3://${bucket}/f/2.ndjson`, proxy.endpoint));
  await expect(failing).rejects.toThrow(new RegExp(`s3://${bucket}/f/2\\.ndjson: read broke at byte \\d+`));
}, 60_000);
