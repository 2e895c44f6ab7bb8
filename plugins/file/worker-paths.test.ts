/**
 * The parallel reader against one thread on seeded random NDJSON files, in every mode it has:
 * prefilter only, the pattern matched in the workers, and match-all verifying (lazy records,
 * verified batches); with this thread reading ranges too and without; child processes and
 * threads; range sizes that cut lines anywhere. Every line must come out as one thread gives it
 * (records, positions, texts, values, invalid records with their reasons and bytes, counts), or,
 * matching in the workers, as one thread gives it minus events the pattern rules out. Also the
 * conformance corpus's events through a verifying range read: the workers' event check is the
 * engine's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isEventBridgeEvent } from "../../src/envelope/event-shape.ts";
import { compilePattern } from "../../src/pattern/index.ts";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { matchCases } from "../../test/pattern/corpus.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { KIND_ASCII, KIND_EVENT, readRange, textsOf } from "./ndjson-worker.ts";
import { readNdjsonParallel, type WorkerMode } from "./parallel-ndjson.ts";
import { tempDir } from "./test-helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

const enc = new TextEncoder();
const PATTERN = { "detail-type": ["Order Placed"], detail: { amount: [{ numeric: [">", 100] }] } };
const compiled = compilePattern(PATTERN);
const literals = compiled.prefilterLiterals!;

/** One random NDJSON file: events and every kind of line the reader must report or skip. */
function randomFile(random: () => number): Uint8Array {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const event = () =>
    JSON.stringify({
      version: "0",
      id: `e${Math.floor(random() * 1e6)}`,
      "detail-type": pick(["Order Placed", "Order Placed", "Cart Updated", "Ørder Placed"]),
      source: pick(["shop", "shop.é", "s"]),
      detail: {
        amount: pick([5, 150, 101, 100, "150", null]),
        note: pick(["", "plain", "café 🎉", "\u2028", 'q"uote \\ "Order Placed"', "x".repeat(300)]),
      },
    });
  const lines: Array<string | Uint8Array> = [];
  const count = 20 + Math.floor(random() * 120);
  for (let k = 0; k < count; k++) {
    const r = random();
    if (r < 0.6) lines.push(event());
    else if (r < 0.66) lines.push(pick(["", "   ", "\t", " \r"]));
    else if (r < 0.72) {
      // Valid JSON, not an event: the engine reports these.
      lines.push(
        pick([
          "[1,2]",
          "42",
          '"Order Placed"',
          "null",
          '{"source":"s","detail-type":"Order Placed"}',
          '{"source":1,"detail-type":"Order Placed","detail":{}}',
          '{"detail-type":"Order Placed","detail":{"amount":200}}',
        ]),
      );
    } else if (r < 0.8) {
      // Broken JSON: a character deleted or inserted.
      const text = event();
      const at = Math.floor(random() * text.length);
      lines.push(
        random() < 0.5 ? text.slice(0, at) + text.slice(at + 1) : `${text.slice(0, at)}}${text.slice(at)}`,
      );
    } else if (r < 0.84) {
      // Invalid UTF-8 inside a line that passes the prefilter.
      const text = enc.encode(event());
      const at = 1 + Math.floor(random() * (text.length - 2));
      lines.push(new Uint8Array([...text.subarray(0, at), 0xff, ...text.subarray(at)]));
    } else if (r < 0.86) {
      lines.push(
        JSON.stringify({ source: "big", "detail-type": "Order Placed", detail: { pad: "é".repeat(3000) } }),
      );
    } else {
      lines.push(event());
    }
  }
  const parts: Uint8Array[] = random() < 0.3 ? [enc.encode("\uFEFF")] : [];
  lines.forEach((line, k) => {
    parts.push(typeof line === "string" ? enc.encode(line) : line);
    if (k < lines.length - 1 || random() < 0.7) parts.push(enc.encode(random() < 0.2 ? "\r\n" : "\n"));
  });
  return Buffer.concat(parts);
}

/** Records (position, text, value), invalid records and counts, batch boundaries aside. */
async function flatten(batches: AsyncIterable<SourceBatch>) {
  const records: unknown[][] = [];
  const invalid: unknown[][] = [];
  let prefiltered = 0;
  let verified = 0;
  for await (const batch of batches) {
    for (const r of batch.records) {
      records.push([r.position, r.text, r.value]);
      if (batch.verified) {
        verified++;
        // A verified batch holds only events, and only texts that are the record's exact JSON.
        expect(isEventBridgeEvent(r.value)).toBe(true);
        expect(JSON.parse(r.text!)).toEqual(r.value);
      }
    }
    for (const bad of batch.invalid ?? [])
      invalid.push([records.length, bad.position, bad.reason, bad.text, bad.bytes && [...bad.bytes]]);
    prefiltered += batch.prefiltered ?? 0;
  }
  return { records, invalid, prefiltered, verified };
}

async function* bytesOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  // As the source gives them: after the BOM.
  yield bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

describe("parallel reader on random files", () => {
  test("every mode gives one thread's records, positions, invalid records and counts", async () => {
    const random = seededRandom(20261201);
    let verifiedTotal = 0;
    let droppedInWorkers = 0;
    let readHere = 0;
    for (let file = 0; file < 10; file++) {
      const bytes = randomFile(random);
      const path = join(dir, `random-${file}.ndjson`);
      await writeFile(path, bytes);
      const base = { name: "r.ndjson", batchSize: 1 + Math.floor(random() * 40), maxRecordBytes: 1 << 20 };
      const one = await flatten(readNdjson(bytesOf(bytes), base));
      const onePrefiltered = await flatten(
        readNdjson(bytesOf(bytes), { ...base, prefilter: compiled.prefilter! }),
      );
      expect(one.invalid.length).toBeGreaterThan(0);
      const rangeBytes = pick(random, [61, 509, 2048, 1 << 20]);
      const mode: WorkerMode = file % 3 === 2 ? "thread" : "process";
      for (const mainReads of [false, true]) {
        const common = { ...base, path, workers: 1 + (file % 2), rangeBytes, mode, mainReads };
        const traced = (t: { by: string }) => {
          if (t.by === "main") readHere++;
        };
        // Match-all: every record as one thread gives it; events in verified batches.
        const verify = await flatten(readNdjsonParallel({ ...common, verify: true, trace: traced }));
        expect(verify.records).toEqual(one.records);
        expect(verify.invalid).toEqual(one.invalid);
        expect(verify.prefiltered).toBe(0);
        verifiedTotal += verify.verified;
        if (!mainReads) expect(verify.verified).toBeGreaterThan(0);
        // The prefilter only: one thread's prefiltered read.
        const prefilter = await flatten(readNdjsonParallel({ ...common, literals }));
        expect(prefilter.records).toEqual(onePrefiltered.records);
        expect(prefilter.invalid).toEqual(onePrefiltered.invalid);
        expect(prefilter.prefiltered).toBe(onePrefiltered.prefiltered);
        // The pattern in the workers: one thread's records minus events it certainly rules out.
        const matched = await flatten(
          readNdjsonParallel({ ...common, literals, pattern: PATTERN, trace: traced }),
        );
        const key = (r: unknown[]) => `${r[0]}`;
        const got = new Set(matched.records.map(key));
        const kept = onePrefiltered.records.filter(
          (r) => !isEventBridgeEvent(r[2]) || compiled.matches(r[2]),
        );
        expect(onePrefiltered.records.filter((r) => got.has(key(r)))).toEqual(matched.records);
        expect(kept.filter((r) => got.has(key(r)))).toEqual(kept);
        if (!mainReads) expect(matched.records).toEqual(kept);
        expect(matched.prefiltered + matched.records.length).toBe(
          onePrefiltered.prefiltered + onePrefiltered.records.length,
        );
        // (Records before each invalid one differ by those dropped.)
        expect(matched.invalid.map((i) => i.slice(1))).toEqual(onePrefiltered.invalid.map((i) => i.slice(1)));
        droppedInWorkers += onePrefiltered.records.length - matched.records.length;
      }
    }
    // The files exercise the paths for real.
    expect(verifiedTotal).toBeGreaterThan(100);
    expect(droppedInWorkers).toBeGreaterThan(20);
    expect(readHere).toBeGreaterThan(0);
  }, 120_000);
});

function pick<T>(random: () => number, items: T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

describe("verifying ranges on the conformance corpus", () => {
  test("the workers' event check and texts are the engine's and one thread's", async () => {
    const text = matchCases.map((c) => JSON.stringify(c.event)).join("\n") + "\n";
    const path = join(dir, "corpus-events.ndjson");
    await writeFile(path, text);
    const one = await flatten(
      readNdjson(bytesOf(enc.encode(text)), { name: "", batchSize: 50, maxRecordBytes: 1 << 20 }),
    );
    const size = Buffer.byteLength(text);
    const texts: string[] = [];
    const lines: number[] = [];
    const events: boolean[] = [];
    const ascii: boolean[] = [];
    let lineBase = 0;
    for (const [start, end] of [
      [0, Math.floor(size / 3)],
      [Math.floor(size / 3), size],
    ] as const) {
      const result = await readRange({
        type: "range",
        index: 0,
        path,
        start,
        end,
        batchSize: 50,
        maxRecordBytes: 1 << 20,
        verify: true,
      });
      if (result.type !== "result") throw new Error(result.message);
      expect(result.texts.kind).toBe("bytes");
      texts.push(...(await textsOf(result, path)));
      for (const line of result.textLines) lines.push(lineBase + line);
      for (const kind of result.kinds!) {
        events.push((kind & KIND_EVENT) !== 0);
        ascii.push((kind & KIND_ASCII) !== 0);
      }
      lineBase += result.lines;
    }
    expect(texts).toEqual(one.records.map((r) => r[1] as string));
    expect(lines.map((l) => `:${l}`)).toEqual(one.records.map((r) => r[0] as string));
    expect(events).toEqual(one.records.map((r) => isEventBridgeEvent(r[2])));
    expect(ascii).toEqual(texts.map((t) => /^[\x00-\x7f]*$/.test(t)));
    // The corpus has both: events and records that are not.
    expect(events.filter(Boolean).length).toBeGreaterThan(50);
    expect(events.filter((e) => !e).length).toBeGreaterThan(0);
  });
});
