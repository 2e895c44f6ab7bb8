import { describe, expect, test } from "bun:test";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { readNdjson } from "./ndjson-reader.ts";

const event = (i: number) =>
  JSON.stringify({ id: `e${i}`, source: "s", "detail-type": "t", detail: { i, text: "é😀\u2028" } });

async function read(text: string, verify: boolean): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  async function* input() {
    yield Buffer.from(text);
  }
  for await (const batch of readNdjson(input(), {
    name: "in",
    batchSize: 4,
    maxRecordBytes: 1 << 20,
    verify,
  }))
    batches.push(batch);
  return batches;
}

const view = (batches: SourceBatch[]) =>
  batches.map((b) => ({
    records: b.records.map((r) => ({ position: r.position, text: r.text, value: r.value })),
    invalid: b.invalid,
    cursor: b.cursor,
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
    expect(view(await read(input, true))).toEqual(view(await read(input, false)));
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
