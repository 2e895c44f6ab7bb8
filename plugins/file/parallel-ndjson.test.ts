import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import { compilePattern } from "../../src/pattern/index.ts";
import type { SelectionPushdown, SourceBatch } from "../../src/sdk/index.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { prefilterFromLiterals } from "./ndjson-worker.ts";
import { openInput } from "./open-input.ts";
import { readNdjsonParallel } from "./parallel-ndjson.ts";
import { sniff } from "./sniff.ts";
import { createFileSourcePlugin } from "./source-plugin.ts";
import { readAll, tempDir, testHost } from "./test-helpers.ts";
import { AUTO_WORKERS_MAX, AUTO_WORKERS_MIN_BYTES, chooseWorkers } from "./worker-choice.ts";

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
  const verifiedValues: unknown[] = [];
  let verifiedRecords = 0;
  let prefiltered = 0;
  for await (const batch of batches) {
    if (batch.verified) {
      verifiedRecords += batch.records.length;
      verifiedValues.push(...batch.records.map((r) => r.value));
    }
    for (const r of batch.records) records.push([r.position, r.text, r.value]);
    // An invalid record always ends its batch.
    if (batch.invalid?.length)
      invalid.push(...batch.invalid.map((i) => [records.length, i.position, i.reason, i.text]));
    prefiltered += batch.prefiltered ?? 0;
  }
  return { records, invalid, prefiltered, verifiedRecords, verifiedValues };
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

/** Whether a parsed record is an EventBridge event, as the engine checks it. */
const isEvent = (v: unknown) =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as Record<string, unknown>).source === "string" &&
  typeof (v as Record<string, unknown>)["detail-type"] === "string" &&
  "detail" in v;

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
      // Without a prefilter, also as a match-all run (`verify`: parsed and checked in the
      // workers, lazy records here); with and without this thread reading ranges too.
      for (const verify of withPrefilter ? [false] : [false, true]) {
        for (const mainReads of [false, true]) {
          // (worker-paths.test.ts cuts random files finely with this thread reading too.)
          for (const rangeBytes of mainReads ? [389, 1 << 20] : [97, 4096, 1 << 20]) {
            const parallel = await flatten(
              readNdjsonParallel({
                path,
                name: "t.ndjson",
                workers: 2,
                rangeBytes,
                batchSize: 50,
                maxRecordBytes: 1 << 20,
                mainReads,
                ...(withPrefilter ? { literals } : {}),
                ...(verify ? { verify } : {}),
              }),
            );
            expect(parallel.records).toEqual(single.records);
            expect(parallel.invalid.map((i) => (i as unknown[]).slice(1))).toEqual(
              single.invalid.map((i) => (i as unknown[]).slice(1)),
            );
            expect(parallel.prefiltered).toBe(single.prefiltered);
            if (verify) {
              // Verified batches hold only events; the records that are not are in others.
              expect(parallel.verifiedRecords).toBeGreaterThan(0);
              for (const value of parallel.verifiedValues) expect(isEvent(value)).toBe(true);
              expect(parallel.verifiedRecords).toBeLessThan(single.records.length);
            } else {
              expect(parallel.verifiedRecords).toBe(0);
            }
          }
        }
      }
    }
  }, 60_000);

  test("matching in the workers drops only events the pattern rules out (processes and threads)", async () => {
    const path = await trickyFile();
    const pattern = { "detail-type": ["Order Placed"], detail: { amount: [{ numeric: [">", 100] }] } };
    const compiled = compilePattern(pattern);
    const literals = compiled.prefilterLiterals!;
    const single = await flatten(
      readNdjson((await sniff(openInput({ name: "t.ndjson", path }, noStdin))).rest, {
        name: "t.ndjson",
        batchSize: 50,
        maxRecordBytes: 1 << 20,
        prefilter: compiled.prefilter!,
      }),
    );
    // What the engine would drop anyway: EventBridge events the pattern does not match.
    const kept = single.records.filter((r) => {
      const value = (r as unknown[])[2];
      return !isEvent(value) || compiled.matches(value);
    });
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(single.records.length);
    // A non-event line that passes the prefilter is kept, for the engine to report.
    expect(kept.some((r) => !isEvent((r as unknown[])[2]))).toBe(true);
    for (const [mode, rangeBytes] of [
      ["process", 97],
      ["process", 1 << 20],
      ["thread", 4096],
    ] as const) {
      const parallel = await flatten(
        readNdjsonParallel({
          path,
          name: "t.ndjson",
          workers: 2,
          rangeBytes,
          batchSize: 50,
          maxRecordBytes: 1 << 20,
          literals,
          pattern,
          mode,
          // Every range through a worker: this thread reads as one thread would.
          mainReads: false,
        }),
      );
      expect(parallel.records).toEqual(kept);
      expect(parallel.invalid.map((i) => (i as unknown[]).slice(1))).toEqual(
        single.invalid.map((i) => (i as unknown[]).slice(1)),
      );
      expect(parallel.prefiltered).toBe(single.prefiltered + single.records.length - kept.length);
    }
    // With this thread reading ranges too, its ranges keep what one thread keeps: between the
    // two, in file order, and every line still counted once.
    const key = (r: unknown) => JSON.stringify(r);
    const singleKeys = single.records.map(key);
    const keptKeys = new Set(kept.map(key));
    for (const rangeBytes of [97, 4096]) {
      const parallel = await flatten(
        readNdjsonParallel({
          path,
          name: "t.ndjson",
          workers: 1,
          rangeBytes,
          batchSize: 50,
          maxRecordBytes: 1 << 20,
          literals,
          pattern,
        }),
      );
      const got = parallel.records.map(key);
      expect(got.filter((k) => keptKeys.has(k))).toEqual(kept.map(key));
      expect(singleKeys.filter((k) => got.includes(k))).toEqual(got);
      expect(parallel.prefiltered + got.length).toBe(single.prefiltered + single.records.length);
      expect(parallel.invalid.map((i) => (i as unknown[]).slice(1))).toEqual(
        single.invalid.map((i) => (i as unknown[]).slice(1)),
      );
    }
  }, 60_000);

  test("chooses workers only where they pay: big plain NDJSON, a match-all run or a pattern to match, idle cores", async () => {
    const big = join(dir, "big.ndjson");
    await writeFile(big, "");
    await truncate(big, AUTO_WORKERS_MIN_BYTES);
    const small = join(dir, "small.ndjson");
    await writeFile(small, "{}\n");
    const base = {
      configured: undefined,
      format: "ndjson" as const,
      path: big,
      gzipped: false,
      literals: undefined,
      pattern: undefined,
      matchAll: true,
      cores: 2,
      load: 0.2,
    };
    // A match-all pass-through run: measured no gain on 2 cores, so 3 cores with 2 idle; this
    // thread reads too, so one worker per other core.
    expect(await chooseWorkers(base)).toBe(0);
    expect(await chooseWorkers({ ...base, cores: 3, load: 0.5 })).toBe(2);
    expect(await chooseWorkers({ ...base, cores: 3, load: 1.5 })).toBe(0);
    expect(await chooseWorkers({ ...base, cores: 4, load: 0 })).toBe(3);
    expect(await chooseWorkers({ ...base, cores: 16, load: 0 })).toBe(AUTO_WORKERS_MAX);
    expect(await chooseWorkers({ ...base, cores: 1, load: 0 })).toBe(0);
    // A busy machine has no idle core for them; no more workers than idle cores.
    expect(await chooseWorkers({ ...base, cores: 4, load: 2.1 })).toBe(0);
    expect(await chooseWorkers({ ...base, cores: 8, load: 6 })).toBe(2);
    expect(await chooseWorkers({ ...base, cores: 8, load: 7.5 })).toBe(0);
    expect(await chooseWorkers({ ...base, path: small })).toBe(0);
    expect(await chooseWorkers({ ...base, gzipped: true })).toBe(0);
    expect(await chooseWorkers({ ...base, format: "array" })).toBe(0);
    expect(await chooseWorkers({ ...base, path: undefined })).toBe(0);
    // Matching a pattern: measured no gain on 2 cores, so 3 cores with 2 idle.
    const matching = { ...base, matchAll: false, literals: [['"x"']], pattern: { a: ["x"] } };
    expect(await chooseWorkers(matching)).toBe(0);
    expect(await chooseWorkers({ ...matching, cores: 3, load: 0.5 })).toBe(2);
    expect(await chooseWorkers({ ...matching, cores: 3, load: 1.5 })).toBe(0);
    expect(await chooseWorkers({ ...matching, cores: 8, load: 1 })).toBe(AUTO_WORKERS_MAX);
    expect(await chooseWorkers({ ...matching, cores: 8, load: 6 })).toBe(2);
    expect(await chooseWorkers({ ...matching, cores: 8, load: 6.5 })).toBe(0);
    // A prefilter without the pattern: they could only split lines.
    expect(await chooseWorkers({ ...matching, cores: 8, load: 0, pattern: undefined })).toBe(0);
    expect(await chooseWorkers({ ...base, matchAll: false, cores: 8, load: 0 })).toBe(0);
    // A number forces it (where workers can read at all); 0 never.
    expect(await chooseWorkers({ ...matching, path: small, configured: 3 })).toBe(3);
    expect(await chooseWorkers({ ...base, path: small, configured: 2 })).toBe(2);
    expect(await chooseWorkers({ ...base, matchAll: false, configured: 2 })).toBe(0);
    expect(await chooseWorkers({ ...base, configured: 0 })).toBe(0);
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

  test("through the plugin: a run that never reads events verifies in the workers (eventsUnread)", async () => {
    const lines = [...generateEvents({ count: 6000 })].map((e) => JSON.stringify(e));
    lines.splice(100, 0, '{"not": "an event"}', "[1, 2", "");
    await writeFile(join(dir, "all.ndjson"), lines.join("\n") + "\n");
    const read = async (workers: number, pushdown: SelectionPushdown) => {
      const log: string[] = [];
      const source = await createFileSourcePlugin(noStdin).create(
        { paths: ["all.ndjson"], format: "auto", batchSize: 500, maxRecordBytes: 1 << 20, workers },
        testHost(dir, { log }),
      );
      const ctx = { signal: new AbortController().signal, pushdown };
      await source.open?.(ctx);
      const out = { records: [] as unknown[], invalid: [] as string[], verified: 0, withBytes: 0, log };
      for await (const batch of source.batches(ctx)) {
        for (const r of batch.records) {
          // Bytes, where a record has them, are its text's UTF-8 exactly.
          if (r.bytes !== undefined) {
            expect(Buffer.compare(r.bytes, Buffer.from(r.text!, "utf8"))).toBe(0);
            out.withBytes++;
          }
          out.records.push([r.position, r.text, r.value]);
        }
        for (const bad of batch.invalid ?? []) out.invalid.push(bad.position + " " + bad.reason);
        if (batch.verified) out.verified += batch.records.length;
      }
      return out;
    };
    const one = await read(0, { passThrough: true, eventsUnread: true });
    const two = await read(2, { passThrough: true, eventsUnread: true });
    expect(two.log.join("")).toContain("with 2 workers verifying");
    // Lines the workers verified come with their bytes (the file target copies them).
    expect(two.withBytes).toBeGreaterThan(3000);
    expect(two.records).toEqual(one.records);
    expect(two.invalid).toEqual(one.invalid);
    expect(two.invalid.length).toBe(1);
    // Every event is in a verified batch but those of the batch holding the record that is not one.
    expect(two.verified).toBeGreaterThan(5000);
    expect(two.verified).toBeLessThan(6000);
    // One thread verifies too (batch-builder.ts), the same way.
    expect(one.verified).toBeGreaterThan(5000);
    expect(one.verified).toBeLessThan(6000);
    // Events are read (a time range, a route...): one thread, nothing gained from verifying.
    const read2 = await read(2, { passThrough: true });
    expect(read2.log.join("")).not.toContain("workers");
    expect(read2.records).toEqual(one.records);
  });
});
