/**
 * Every read path of the JSON array reader gives the engine the same matches on the pattern
 * conformance corpus (test/pattern/): the events of each pattern written as an array, one
 * element per line, read by the exact scanner (prefilter off and on text) and by the line path
 * (prefilter off, on text, on bytes; verified by the WebAssembly module and by the JS
 * reference). The NDJSON paths are checked the same way in read-paths.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { compilePattern } from "../../src/pattern/index.ts";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { matchCases } from "../../test/pattern/corpus.ts";
import { type ArrayPaths, readJsonArray } from "./array-reader.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { jsLineVerifier } from "./json-scan.ts";
import type { ReaderOptions } from "./ndjson-reader.ts";

async function* bytesOf(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Line numbers of the records a path hands on that the full pattern matches. */
async function matchedLines(batches: AsyncIterable<SourceBatch>, matches: (event: unknown) => boolean) {
  const lines: number[] = [];
  for await (const batch of batches) {
    for (const record of batch.records) {
      if (matches(record.value ?? JSON.parse(record.text!)))
        lines.push(Number(record.position.split(":")[1]));
    }
  }
  return lines;
}

describe("every JSON array read path agrees on the conformance corpus", () => {
  test("exact scanner and line path, prefilter off, on text, on bytes", async () => {
    const byPattern = new Map<string, typeof matchCases>();
    for (const c of matchCases) {
      const key = JSON.stringify(c.pattern);
      byPattern.set(key, [...(byPattern.get(key) ?? []), c]);
    }
    const disagreements: string[] = [];
    let prefiltered = 0;
    for (const [key, cases] of byPattern) {
      const compiled = compilePattern(cases[0]!.pattern);
      // `[` on line 1, event k on line k + 2.
      const text = `[\n${cases.map((c) => JSON.stringify(c.event)).join(",\n")}\n]\n`;
      const expected = cases.flatMap((c, k) => (c.match ? [k + 2] : []));
      const base: ReaderOptions = { name: "c", batchSize: 7, maxRecordBytes: 1 << 20 };
      const paths: Array<[string, Partial<ReaderOptions>, ArrayPaths]> = [
        ["exact", {}, { lines: false }],
        ["lines", {}, {}],
      ];
      const literals = compiled.prefilterLiterals;
      if (compiled.prefilter && literals) {
        const prefilter = compiled.prefilter;
        const bytePrefilter = compileBytePrefilter(literals);
        paths.push(
          ["exact, text prefilter", { prefilter }, { lines: false }],
          ["lines, text prefilter", { prefilter }, {}],
          ["lines, byte prefilter", { prefilter, bytePrefilter }, {}],
          [
            "lines, byte prefilter, js verifier",
            { prefilter, bytePrefilter },
            { verifier: jsLineVerifier() },
          ],
        );
      }
      for (const [name, extra, which] of paths) {
        const batches = readJsonArray(bytesOf(text), { ...base, ...extra }, which);
        const counted = (async function* () {
          for await (const batch of batches) {
            prefiltered += batch.prefiltered ?? 0;
            yield batch;
          }
        })();
        const got = await matchedLines(counted, compiled.matches);
        if (JSON.stringify(got) !== JSON.stringify(expected)) disagreements.push(`${name}: ${key}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(byPattern.size).toBeGreaterThan(100);
    // The prefilter paths ruled many events out (so the verifier decided those lines).
    expect(prefiltered).toBeGreaterThan(100);
  });
});
