import { describe, expect, test } from "bun:test";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { matchCases } from "../../test/pattern/corpus.ts";
import { wasmEventValidator } from "./json-validate.ts";
import { Gen, mulberry32 } from "./json-validate-gen.ts";
import { readNdjson } from "./ndjson-reader.ts";

const event = (i: number) =>
  JSON.stringify({ id: `e${i}`, source: "s", "detail-type": "t", detail: { i, text: "é😀\u2028" } });

/**
 * `validate`: let the event validator pass events unparsed (verify mode only). `chunk`: feed
 * the input in chunks of this many bytes (lines then span chunks and blocks).
 */
async function read(
  text: string | Uint8Array,
  verify: boolean,
  validate = false,
  chunk = Number.POSITIVE_INFINITY,
): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  async function* input() {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.slice(at, at + chunk);
  }
  for await (const batch of readNdjson(input(), {
    name: "in",
    batchSize: 4,
    maxRecordBytes: 1 << 20,
    verify,
    validate,
  }))
    batches.push(batch);
  return batches;
}

const view = (batches: SourceBatch[]) =>
  batches.map((b) => ({
    records: b.records.map((r) => ({ position: r.position, text: r.text, value: r.value })),
    invalid: b.invalid,
    cursor: b.cursor,
    verified: b.verified,
    prefiltered: b.prefiltered,
  }));

describe("verify mode (nothing reads parsed events)", () => {
  const lines = [
    event(1),
    event(2),
    "",
    event(3),
    '{"not":"an event"}',
    event(5),
    "{broken",
    event(7),
    event(8),
    event(9),
    event(10),
  ];
  const input = lines.join("\n") + "\n";

  test("reads the same records, positions, invalid records and cursors as a plain read", async () => {
    const strip = (batches: SourceBatch[]) => view(batches).map(({ verified: _, ...rest }) => rest);
    expect(strip(await read(input, true))).toEqual(strip(await read(input, false)));
    expect(strip(await read(input, true, true))).toEqual(strip(await read(input, false)));
  });

  test("batches of events only are verified, and their values parse on demand", async () => {
    const batches = await read(input, true);
    const verified = batches.map((b) => b.verified === true);
    // [1,2,3,not-an-event] | [5] (ends at the syntax error) | [7,8,9,10]
    expect(verified).toEqual([false, true, true]);
    const record = batches[2]!.records[0]!;
    expect(Object.getOwnPropertyDescriptor(record, "value")).toBeUndefined(); // a getter, not a field
    expect(record.value).toEqual(JSON.parse(event(7)));
    // The record that is not an event keeps its value for the engine to report.
    expect(batches[0]!.records[3]!.value).toEqual({ not: "an event" });
    expect(batches[1]!.invalid?.[0]?.position).toBe("in:7:2");
  });

  test("a plain read never marks a batch verified", async () => {
    expect((await read(input, false)).some((b) => b.verified)).toBe(false);
  });
});

/** Counts `JSON.parse` calls while `run` runs (the validator's lines must not need one). */
async function countingParses<T>(run: () => Promise<T>): Promise<[T, number]> {
  const parse = JSON.parse;
  let calls = 0;
  JSON.parse = ((text: string, reviver?: (key: string, value: unknown) => unknown) => {
    calls++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    return [await run(), calls];
  } finally {
    JSON.parse = parse;
  }
}

describe.skipIf(wasmEventValidator() === undefined)("verify mode with the event validator", () => {
  /** Same batches (records, values, positions, invalid, cursors, verified) with and without it. */
  async function expectSame(text: string | Uint8Array, chunks: number[]) {
    for (const chunk of chunks) {
      const without = view(await read(text, true, false, chunk));
      expect(view(await read(text, true, true, chunk))).toEqual(without);
    }
  }

  test("random and mutated lines: identical batches, in whole and in small chunks", async () => {
    const gen = new Gen(mulberry32(7));
    const lines: string[] = [];
    for (let k = 0; k < 3000; k++) {
      const event = gen.event();
      const r = gen.random();
      lines.push(r < 0.5 ? event : r < 0.55 ? "" : r < 0.6 ? " \t" : r < 0.7 ? `${event}\r` : gen.odd(event));
    }
    await expectSame(lines.join("\n"), [Number.POSITIVE_INFINITY, 4096, 97]);
    await expectSame(`${lines.join("\r\n")}\n`, [1 << 16]);
  });

  test("the conformance corpus's events and fixture lines: identical batches", async () => {
    const lines = matchCases.flatMap((c) => [JSON.stringify(c.event), JSON.stringify(c)]);
    await expectSame(lines.join("\n"), [Number.POSITIVE_INFINITY, 1000]);
  });

  test("a block with invalid UTF-8 is read line by line as before", async () => {
    const good = '{"source":"s","detail-type":"t","detail":"é"}';
    const bytes = Buffer.concat([
      Buffer.from(`${good}\n`),
      Buffer.from('{"source":"s","detail-type":"t","detail":"'),
      Buffer.from([0xff, 0x22, 0x7d, 0x0a]),
      Buffer.from(`${good}\n${good}`),
    ]);
    await expectSame(bytes, [Number.POSITIVE_INFINITY, 50]);
    expect((await read(bytes, true, true))[0]!.invalid?.[0]?.position).toBe("in:2:43");
  });

  test("events pass without JSON.parse; the lines it does not prove are parsed", async () => {
    const event = '{"source":"s","detail-type":"t","detail":{"n":1}}';
    const text = `${[event, event, '{"sour\\u0063e":"s","detail-type":"t","detail":1}', event].join("\n")}\n`;
    const [batches, parses] = await countingParses(() => read(text, true, true));
    // One parse: the line with an escaped key ("don't know"), which is an event all the same.
    expect(parses).toBe(1);
    expect(batches.map((b) => b.verified)).toEqual([true]);
    expect(batches[0]!.records.map((r) => r.text)).toEqual(text.trim().split("\n"));
    const [, plainParses] = await countingParses(() => read(text, true, false));
    expect(plainParses).toBe(4);
    // The events come as bytes of their own (a file target copies them; nothing decodes).
    const record = batches[0]!.records[0]!;
    expect(record.bytes && Buffer.from(record.bytes).toString()).toBe(event);
  });

  test("records and invalid records keep their bytes when the input reuses its buffer", async () => {
    const lines = Array.from(
      { length: 300 },
      (_, k) => `{"source":"s","detail-type":"t","detail":${k},"é":"${"x".repeat(k % 50)}"}`,
    );
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const bytes = Buffer.concat([Buffer.from(`${lines.join("\n")}\n`), bad, Buffer.from("\n")]);
    // Both kinds of chunk: a Uint8Array view (as plain files give) and a Buffer view.
    for (const reused of [new Uint8Array(1000), Buffer.alloc(1000)]) {
      async function* input() {
        for (let at = 0; at < bytes.length; at += 1000) {
          const n = bytes.copy(reused, 0, at, at + 1000);
          yield reused.subarray(0, n);
          reused.fill(0x7b);
        }
      }
      const batches: SourceBatch[] = [];
      for await (const batch of readNdjson(input(), {
        name: "in",
        batchSize: 4,
        maxRecordBytes: 1 << 20,
        verify: true,
      }))
        batches.push(batch);
      const records = batches.flatMap((b) => b.records);
      expect(records.filter((r) => r.bytes !== undefined).length).toBeGreaterThan(250);
      expect(records.map((r) => r.text)).toEqual(lines);
      const invalid = batches.flatMap((b) => b.invalid ?? []);
      expect(invalid.map((r) => r.position)).toEqual(["in:301:3"]);
      expect([...invalid[0]!.bytes!]).toEqual([...bad]);
    }
  });
});
