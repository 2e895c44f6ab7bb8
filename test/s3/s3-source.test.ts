/**
 * The `s3` source against a real S3-protocol server (S3Proxy on loopback, see
 * test/services/s3-server.ts) through the real AWS SDK client: globs, key order, formats and
 * gzip, positions, date skipping, shards, and resume from every cursor.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import {
  createBucketWith,
  S3_SERVER_HOOK_TIMEOUT_MS,
  type S3Server,
  s3Server,
  uniqueBucketName,
} from "../services/s3-server.ts";
import { disposeS3TestHosts, ndjson, putObjects, readSource, s3SourceFor } from "./support.ts";

let server: S3Server;
let bucket: string;
/** Events by object, as put. */
const archive: Record<string, unknown[]> = {};

beforeAll(async () => {
  server = await s3Server();
  bucket = uniqueBucketName("s3-source");
  await createBucketWith(server.client(), bucket);
  const events = [...generateEvents({ count: 1200, seed: 7 })];
  // A Firehose-style archive: hours of 2024-01-01 and 02, two objects per hour, gzipped, plus
  // objects outside the glob and one that is gzipped without saying so.
  let n = 0;
  const objects: Record<string, string> = {};
  for (const day of ["01", "02"]) {
    for (const hour of ["00", "01", "22"]) {
      for (const part of ["a", "b"]) {
        const key = `events/2024/01/${day}/${hour}/stream-${part}.gz`;
        archive[key] = events.slice(n, n + 100);
        objects[key] = ndjson(archive[key]!);
        n += 100;
      }
    }
  }
  objects["events/2024/01/01/00/notes.txt"] = "not an event\n";
  objects["other/2024/01/01/00/x.gz"] = ndjson(events.slice(0, 3));
  await putObjects(server.client(), bucket, objects);
}, S3_SERVER_HOOK_TIMEOUT_MS);

afterAll(disposeS3TestHosts);

const keysOfGlob = (filter: (key: string) => boolean) =>
  Object.keys(archive)
    .filter(filter)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe("listing and order", () => {
  test("a ** glob reads every matching object in key order, with positions s3://bucket/key:line", async () => {
    const out = await readSource(
      s3SourceFor(`s3://${bucket}/events/2024/**/*.gz`, server.endpoint, { listPageSize: 3 }),
    );
    const keys = keysOfGlob(() => true);
    expect(out.values).toEqual(keys.flatMap((k) => archive[k]!));
    expect(out.positions[0]).toBe(`s3://${bucket}/${keys[0]}:1`);
    expect(out.positions[100]).toBe(`s3://${bucket}/${keys[1]}:1`);
    expect(out.positions[199]).toBe(`s3://${bucket}/${keys[1]}:100`);
    // The line's own text is kept, so a file target can pass it through.
    expect(JSON.parse(out.texts[5]!)).toEqual(out.values[5]);
  });

  test("single-segment globs, braces and exact keys", async () => {
    const day2 = await readSource(
      s3SourceFor(`s3://${bucket}/events/2024/01/02/*/stream-{a,b}.gz`, server.endpoint),
    );
    expect(day2.values).toEqual(keysOfGlob((k) => k.includes("/02/")).flatMap((k) => archive[k]!));
    const one = await readSource(
      s3SourceFor(`s3://${bucket}/events/2024/01/01/22/stream-b.gz`, server.endpoint),
    );
    expect(one.values).toEqual(archive["events/2024/01/01/22/stream-b.gz"]!);
    const hourFolder = await readSource(s3SourceFor(`s3://${bucket}/events/2024/01/02/01`, server.endpoint));
    expect(hourFolder.values).toEqual([
      ...archive["events/2024/01/02/01/stream-a.gz"]!,
      ...archive["events/2024/01/02/01/stream-b.gz"]!,
    ]);
  });

  test("a glob matching nothing reads nothing; a missing bucket is a one-line error", async () => {
    const none = await readSource(s3SourceFor(`s3://${bucket}/events/2099/**/*.gz`, server.endpoint));
    expect(none.values).toEqual([]);
    const missing = readSource(s3SourceFor("s3://no-such-bucket-here/x/*.gz", server.endpoint));
    await expect(missing).rejects.toThrow(/no such bucket "no-such-bucket-here"/);
  });
});

describe("formats", () => {
  let formats: string;
  beforeAll(async () => {
    formats = uniqueBucketName("s3-formats");
    const client = server.client();
    await createBucketWith(client, formats);
    await putObjects(client, formats, {
      "a-array.json": '\uFEFF[\n {"n": 1},\n {"n": 2}\n]\n',
      "b-ndjson-crlf.ndjson": '{"n":3}\r\n\r\n{"n":4}\r\n',
    });
    // Gzipped without a .gz key: recognised by the magic bytes.
    await putObjects(client, formats, { "c-gzipped-no-suffix": ndjson([{ n: 5 }, { n: "\u2028" }]) }, true);
    await client.send(
      new PutObjectCommand({ Bucket: formats, Key: "d-broken.ndjson", Body: '{"n":6}\n{"n":\n{"n":7}\n' }),
    );
  });

  test("arrays, NDJSON, BOM, CRLF, gzip by content; an invalid line ends its batch with its position", async () => {
    const out = await readSource(s3SourceFor(`s3://${formats}/`, server.endpoint));
    expect(out.values).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
      { n: 4 },
      { n: 5 },
      { n: "\u2028" },
      { n: 6 },
      { n: 7 },
    ]);
    expect(out.positions.slice(0, 4)).toEqual([
      `s3://${formats}/a-array.json:2:2`,
      `s3://${formats}/a-array.json:3:2`,
      `s3://${formats}/b-ndjson-crlf.ndjson:1`,
      `s3://${formats}/b-ndjson-crlf.ndjson:3`,
    ]);
    expect(out.invalid).toHaveLength(1);
    expect(out.invalid[0]).toStartWith(`s3://${formats}/d-broken.ndjson:2:`);
  });
});

describe("since/until skip whole objects by the key's date", () => {
  test("objects of hours outside the range (with the slack) are not read", async () => {
    const log: string[] = [];
    const { s3TestHost } = await import("./support.ts");
    const source = s3SourceFor(
      `s3://${bucket}/events/**/*.gz`,
      server.endpoint,
      { dateSlackSeconds: 0 },
      s3TestHost(log),
    );
    const out = await readSource(source, {
      pushdown: { since: "2024-01-01T01:00:00Z", until: "2024-01-02T01:00:00Z" },
    });
    const read = keysOfGlob((k) => /01\/01\/(01|22)\/|01\/02\/00\//.test(k));
    expect(out.values).toEqual(read.flatMap((k) => archive[k]!));
    expect(source.skippedByDate).toBe(6);
    expect(log.join("")).not.toContain("01/01/00/stream-a.gz as");
  });

  test("the slack widens the windows; an empty layout turns skipping off", async () => {
    const slack = s3SourceFor(`s3://${bucket}/events/**/*.gz`, server.endpoint, { dateSlackSeconds: 3600 });
    await readSource(slack, { pushdown: { since: "2024-01-01T02:00:00Z" } });
    // 01/01/00 ends at 01:00, +1 h slack = 02:00 ≤ since: skipped; 01/01/01 is kept by the slack.
    expect(slack.skippedByDate).toBe(2);
    const off = s3SourceFor(`s3://${bucket}/events/**/*.gz`, server.endpoint, { dateLayout: "" });
    const out = await readSource(off, { pushdown: { since: "2030-01-01T00:00:00Z" } });
    expect(off.skippedByDate).toBe(0);
    expect(out.values).toHaveLength(1200);
  });
});

describe("shards", () => {
  test("object i goes to shard i mod N; the shards together read everything once", async () => {
    const url = `s3://${bucket}/events/**/*.gz`;
    const keys = keysOfGlob(() => true);
    const parts = [];
    for (let index = 0; index < 3; index++) {
      parts.push(await readSource(s3SourceFor(url, server.endpoint), { shard: { index, count: 3 } }));
    }
    parts.forEach((part, index) => {
      expect(part.values).toEqual(keys.filter((_, i) => i % 3 === index).flatMap((k) => archive[k]!));
    });
  });
});

describe("resume", () => {
  test("from every cursor, a new source reads exactly the rest (gzip, plain NDJSON, arrays, a BOM)", async () => {
    const mixed = uniqueBucketName("s3-resume");
    const client = server.client();
    await createBucketWith(client, mixed);
    const events = [...generateEvents({ count: 520, seed: 3 })];
    await putObjects(client, mixed, {
      "1.ndjson.gz": ndjson(events.slice(0, 150)),
      "2.ndjson": `\n${ndjson(events.slice(150, 300))}\n\n`,
      "3.json": `[${events
        .slice(300, 450)
        .map((e) => JSON.stringify(e))
        .join(",\n")}]`,
      // A BOM before the first line: cursors count it as the object's bytes.
      "4-bom.ndjson": `\uFEFF${ndjson(events.slice(450, 520))}`,
    });
    const url = `s3://${mixed}/`;
    // Whole objects, and ranged parts of 64 KiB (every object but the last in 2 or more parts).
    for (const config of [{ batchSize: 40 }, { batchSize: 40, partSize: 65_536, readAhead: 1 }]) {
      const full = await readSource(s3SourceFor(url, server.endpoint, config));
      expect(full.values).toEqual(events);
      expect(full.cursors.length).toBe(full.batches.length);
      let recordsBefore = 0;
      for (const [i, batch] of full.batches.entries()) {
        recordsBefore += batch.records.length;
        const rest = await readSource(s3SourceFor(url, server.endpoint, config), {
          resumeFrom: batch.cursor!,
        });
        expect(rest.values).toEqual(events.slice(recordsBefore));
        expect(rest.positions).toEqual(full.positions.slice(recordsBefore));
        if (i === 1) expect(rest.cursors[0]).not.toEqual(batch.cursor!);
      }
    }
  });

  test("with the prefilter on, batches cut among skipped lines still resume exactly", async () => {
    const url = `s3://${bucket}/events/2024/01/01/**/*.gz`;
    const ctx = {
      prefilter: (text: string) => text.includes('"Order Placed"'),
      prefilterLiterals: [['"Order Placed"']],
    };
    const full = await readSource(s3SourceFor(url, server.endpoint, { batchSize: 4 }), ctx);
    const placed = keysOfGlob((k) => k.includes("/01/01/"))
      .flatMap((k) => archive[k]!)
      .filter((e) => (e as { "detail-type": string })["detail-type"] === "Order Placed");
    expect(full.values).toEqual(placed);
    expect(full.batches.some((b) => b.records.length === 0 && (b.prefiltered ?? 0) > 0)).toBe(true);
    let before = 0;
    for (const batch of full.batches) {
      before += batch.records.length;
      const rest = await readSource(s3SourceFor(url, server.endpoint, { batchSize: 4 }), {
        ...ctx,
        resumeFrom: batch.cursor!,
      });
      expect(rest.values).toEqual(placed.slice(before));
    }
  });

  test("a changed object is refused", async () => {
    const changing = uniqueBucketName("s3-changed");
    const client = server.client();
    await createBucketWith(client, changing);
    await putObjects(client, changing, { "a.ndjson": ndjson([{ n: 1 }, { n: 2 }, { n: 3 }]) });
    const first = await readSource(
      s3SourceFor(`s3://${changing}/`, server.endpoint, { batchSize: 1 }),
      {},
      1,
    );
    await putObjects(client, changing, { "a.ndjson": ndjson([{ n: 1 }, { n: 2 }, { n: 4 }]) });
    const resumed = readSource(s3SourceFor(`s3://${changing}/`, server.endpoint), {
      resumeFrom: first.cursors[0]!,
    });
    await expect(resumed).rejects.toThrow(/changed since the checkpoint/);
  });
});
