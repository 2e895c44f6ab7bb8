import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { prefilterFromLiterals } from "./ndjson-worker.ts";
import { openInput } from "./open-input.ts";
import { readNdjsonParallel } from "./parallel-ndjson.ts";
import { sniff } from "./sniff.ts";
import { readAll, tempDir } from "./test-helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const noStdin = (): never => {
  throw new Error("no stdin in this test");
};

/** Everything but batch boundaries, which may differ. */
async function flatten(batches: AsyncIterable<SourceBatch>) {
  const records: unknown[] = [];
  const invalid: unknown[] = [];
  let prefiltered = 0;
  for await (const batch of batches) {
    for (const r of batch.records) records.push([r.position, r.text, r.value]);
    // An invalid record always ends its batch.
    if (batch.invalid?.length)
      invalid.push(...batch.invalid.map((i) => [records.length, i.position, i.reason, i.text]));
    prefiltered += batch.prefiltered ?? 0;
  }
  return { records, invalid, prefiltered };
}

/** A file with every NDJSON edge case the single-threaded reader defines. */
async function trickyFile(): Promise<string> {
  const enc = new TextEncoder();
  const events = [...generateEvents({ count: 300 })].map((e) => JSON.stringify(e));
  const parts: Uint8Array[] = [enc.encode("\uFEFF")];
  events.forEach((line, k) => {
    parts.push(enc.encode(line + (k % 7 === 0 ? "\r\n" : "\n")));
    if (k % 11 === 0) parts.push(enc.encode("\n   \n"));
    if (k % 37 === 0) parts.push(enc.encode('{"broken": [1, 2,, 3]}\n'));
    if (k % 53 === 0)
      parts.push(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]));
    if (k === 150)
      parts.push(
        enc.encode(JSON.stringify({ big: "é".repeat(20_000), "detail-type": "Order Placed" }) + "\n"),
      );
  });
  parts.push(enc.encode('{"last": "no newline"}'));
  const path = join(dir, "tricky.ndjson");
  await writeFile(path, Buffer.concat(parts));
  return path;
}

describe("parallel NDJSON reader", () => {
  test("gives exactly the single-threaded records, positions, invalid records and counts", async () => {
    const path = await trickyFile();
    const literals = [['"Order Placed"', '"Stock Adjusted"']];
    for (const withPrefilter of [false, true]) {
      const prefilter = withPrefilter ? prefilterFromLiterals(literals) : undefined;
      const single = await flatten(
        readNdjson((await sniff(openInput({ name: "t.ndjson", path }, noStdin))).rest, {
          name: "t.ndjson",
          batchSize: 50,
          maxRecordBytes: 1 << 20,
          ...(prefilter ? { prefilter } : {}),
        }),
      );
      expect(single.records.length).toBeGreaterThan(withPrefilter ? 30 : 290);
      expect(single.invalid.length).toBeGreaterThan(withPrefilter ? 5 : 10);
      // Tiny ranges put range boundaries everywhere: inside lines, at CRLF, in the long line.
      for (const rangeBytes of [97, 4096, 1 << 20]) {
        const parallel = await flatten(
          readNdjsonParallel({
            path,
            name: "t.ndjson",
            workers: 2,
            rangeBytes,
            batchSize: 50,
            maxRecordBytes: 1 << 20,
            ...(withPrefilter ? { literals } : {}),
          }),
        );
        expect(parallel.records).toEqual(single.records);
        expect(parallel.invalid.map((i) => (i as unknown[]).slice(1))).toEqual(
          single.invalid.map((i) => (i as unknown[]).slice(1)),
        );
        expect(parallel.prefiltered).toBe(single.prefiltered);
      }
    }
  });

  test("through the plugin: workers: 2 with the prefilter's literal sets reads the same as one thread", async () => {
    const lines = [...generateEvents({ count: 12_000 })].map((e) => JSON.stringify(e));
    await writeFile(join(dir, "big.ndjson"), lines.join("\n") + "\n");
    const literals = [['"Order Placed"']];
    const prefilter = prefilterFromLiterals(literals);
    const one = await readAll(dir, { paths: ["big.ndjson"], workers: 0 }, { prefilter });
    const log: string[] = [];
    const two = await readAll(dir, { paths: ["big.ndjson"], workers: 2 }, { prefilter, literals, log });
    expect(log.join("")).toContain("with 2 workers");
    expect(two.values.length).toBeGreaterThan(1000);
    expect(two.prefiltered).toBe(one.prefiltered);
    expect(two.positions).toEqual(one.positions);
    expect(two.texts).toEqual(one.texts);
    expect(two.values).toEqual(one.values);
    // Without the literal sets the workers cannot prefilter, so one thread reads.
    const fallback: string[] = [];
    await readAll(dir, { paths: ["big.ndjson"], workers: 2 }, { prefilter, log: fallback });
    expect(fallback.join("")).not.toContain("workers");
  });
});
