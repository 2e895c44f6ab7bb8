/**
 * Every speed path of the file source gives the engine the same matches: the pattern
 * conformance corpus (test/pattern/) read as NDJSON on one thread without and with the
 * prefilter (on text and on bytes), and through the workers' range reader with the prefilter
 * only and with the pattern matched in the worker. The transports (child processes, threads)
 * are checked on realistic files in parallel-ndjson.test.ts; this runs the workers' logic on
 * this thread so the whole corpus stays fast.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compilePattern } from "../../src/pattern/index.ts";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { matchCases } from "../../test/pattern/corpus.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { readRange, textsOf } from "./ndjson-worker.ts";
import { tempDir } from "./test-helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

async function* bytesOf(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Line numbers (1-based) of the records a path hands on that the full pattern matches. */
async function matchedLines(
  batches: AsyncIterable<SourceBatch>,
  matches: (event: unknown) => boolean,
): Promise<number[]> {
  const lines: number[] = [];
  for await (const batch of batches) {
    for (const record of batch.records) {
      const value = record.value ?? JSON.parse(record.text!);
      if (matches(value)) lines.push(Number(record.position.split(":")[1]));
    }
  }
  return lines;
}

describe("every read path agrees on the conformance corpus", () => {
  const byPattern = new Map<string, typeof matchCases>();
  for (const c of matchCases) {
    const key = JSON.stringify(c.pattern);
    byPattern.set(key, [...(byPattern.get(key) ?? []), c]);
  }

  test("one thread (prefilter off, on text, on bytes) and worker ranges (prefilter, pattern)", async () => {
    const disagreements: string[] = [];
    let matchedInWorkers = 0;
    let index = 0;
    for (const [key, cases] of byPattern) {
      const compiled = compilePattern(cases[0]!.pattern);
      const text = cases.map((c) => JSON.stringify(c.event)).join("\n") + "\n";
      const expected = cases.flatMap((c, k) => (c.match ? [k + 1] : []));
      const path = join(dir, `corpus-${index++}.ndjson`);
      await writeFile(path, text);
      const base = { name: "c", batchSize: 7, maxRecordBytes: 1 << 20 };
      const literals = compiled.prefilterLiterals;
      const paths: Record<string, AsyncIterable<SourceBatch>> = {
        "one thread": readNdjson(bytesOf(text), base),
      };
      if (compiled.prefilter && literals) {
        paths["one thread, text prefilter"] = readNdjson(bytesOf(text), {
          ...base,
          prefilter: compiled.prefilter,
        });
        paths["one thread, byte prefilter"] = readNdjson(bytesOf(text), {
          ...base,
          bytePrefilter: compileBytePrefilter(literals),
        });
      }
      for (const [name, batches] of Object.entries(paths)) {
        const got = await matchedLines(batches, compiled.matches);
        if (JSON.stringify(got) !== JSON.stringify(expected)) disagreements.push(`${name}: ${key}`);
      }
      if (literals) {
        // Two ranges cut mid-file, as the parallel reader does; line numbers are range-relative.
        const size = Buffer.byteLength(text);
        for (const withPattern of [false, true]) {
          const got: number[] = [];
          let lineBase = 0;
          for (const [start, end] of [
            [0, Math.floor(size / 2)],
            [Math.floor(size / 2), size],
          ] as const) {
            const result = await readRange({
              type: "range",
              index: 0,
              path,
              start,
              end,
              batchSize: 7,
              maxRecordBytes: 1 << 20,
              literals,
              ...(withPattern ? { pattern: cases[0]!.pattern } : {}),
            });
            if (result.type !== "result") throw new Error(result.message);
            (await textsOf(result, path)).forEach((t, k) => {
              if (compiled.matches(JSON.parse(t))) got.push(lineBase + result.textLines[k]!);
            });
            if (withPattern) matchedInWorkers += result.prefiltered;
            lineBase += result.lines;
          }
          if (JSON.stringify(got) !== JSON.stringify(expected))
            disagreements.push(`worker ranges${withPattern ? ", pattern" : ""}: ${key}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    // The corpus exercises the paths for real: many patterns, many lines ruled out in workers.
    expect(byPattern.size).toBeGreaterThan(100);
    expect(matchedInWorkers).toBeGreaterThan(100);
  });
});
