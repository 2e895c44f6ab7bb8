/**
 * The file source's cursors: resuming from the cursor of any batch yields exactly the records
 * after that batch (NDJSON plain and gzipped, with a BOM and CRLF, JSON arrays, several files,
 * with a prefilter), a changed file is refused, stdin is not resumable, and shards split the
 * sorted inputs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FileSource, type FileSourceConfig } from "../../plugins/file/source.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { JsonValue, ShardAssignment, SourceBatch } from "../../src/sdk/index.ts";

const dir = mkdtempSync(join(tmpdir(), "rehydrate-file-cursor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function host() {
  return createHost({
    pluginName: "file",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: dir,
    aws: {},
    stderr: { write: () => {} },
  });
}

function source(paths: string[], extra: Partial<FileSourceConfig> = {}) {
  const config: FileSourceConfig = {
    paths,
    format: "auto",
    batchSize: 3,
    maxRecordBytes: 1 << 20,
    workers: 0,
    ...extra,
  };
  return new FileSource(config, host(), () => (async function* () {})());
}

interface Read {
  positions: string[];
  batches: Array<{ cursor: JsonValue | undefined; positions: string[] }>;
}

async function read(
  paths: string[],
  options: {
    resumeFrom?: JsonValue;
    shard?: ShardAssignment;
    prefilter?: (t: string) => boolean;
    literals?: string[][];
  } = {},
  extra: Partial<FileSourceConfig> = {},
): Promise<Read> {
  const s = source(paths, extra);
  const ctx = {
    signal: new AbortController().signal,
    ...(options.resumeFrom !== undefined ? { resumeFrom: options.resumeFrom } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.prefilter ? { prefilter: options.prefilter } : {}),
    ...(options.literals ? { prefilterLiterals: options.literals } : {}),
  };
  await s.open(ctx);
  const out: Read = { positions: [], batches: [] };
  for await (const batch of s.batches(ctx) as AsyncIterable<SourceBatch>) {
    const positions = batch.records.map((r) => r.position);
    out.positions.push(...positions);
    out.batches.push({ cursor: batch.cursor, positions });
  }
  return out;
}

const event = (i: number) => JSON.stringify({ id: `e${i}`, detail: { n: i, pad: "x".repeat(i % 7) } });

/** Resuming from every batch's cursor gives exactly the records after that batch. */
async function expectExactResume(
  paths: string[],
  extra: Partial<FileSourceConfig> = {},
  prefilter?: (t: string) => boolean,
) {
  const full = await read(paths, prefilter ? { prefilter } : {}, extra);
  expect(full.positions.length).toBeGreaterThan(5);
  let seen = 0;
  let checked = 0;
  for (const batch of full.batches) {
    seen += batch.positions.length;
    if (batch.cursor === undefined) continue;
    const rest = await read(paths, { resumeFrom: batch.cursor, ...(prefilter ? { prefilter } : {}) }, extra);
    expect(rest.positions).toEqual(full.positions.slice(seen));
    checked++;
  }
  expect(checked).toBeGreaterThan(2);
  return full;
}

describe("file source cursors", () => {
  test("NDJSON: byte offsets and line numbers, BOM, CRLF and blank lines", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => event(i));
    writeFileSync(
      join(dir, "a.ndjson"),
      "\uFEFF" + lines.slice(0, 10).join("\r\n") + "\n\n" + lines.slice(10).join("\n"),
    );
    const full = await expectExactResume(["a.ndjson"]);
    expect(full.positions.at(-1)).toBe("a.ndjson:21");
  });

  test("several files and gzip, with a prefilter ruling lines out", async () => {
    writeFileSync(join(dir, "b1.ndjson"), Array.from({ length: 11 }, (_, i) => event(i)).join("\n") + "\n");
    writeFileSync(
      join(dir, "b2.ndjson.gz"),
      gzipSync(Array.from({ length: 13 }, (_, i) => event(100 + i)).join("\n")),
    );
    await expectExactResume(["b1.ndjson", "b2.ndjson.gz"]);
    await expectExactResume(["b1.ndjson", "b2.ndjson.gz"], {}, (text) => !text.includes('"n":3'));
  });

  test("JSON arrays resume by batches taken", async () => {
    writeFileSync(
      join(dir, "c.json"),
      JSON.stringify(
        Array.from({ length: 17 }, (_, i) => JSON.parse(event(i))),
        null,
        1,
      ),
    );
    await expectExactResume(["c.json"]);
  });

  test("a file changed since the checkpoint is refused; so are changed inputs", async () => {
    writeFileSync(join(dir, "d.ndjson"), Array.from({ length: 10 }, (_, i) => event(i)).join("\n") + "\n");
    const full = await read(["d.ndjson"]);
    const cursor = full.batches[1]!.cursor!;
    appendFileSync(join(dir, "d.ndjson"), event(99) + "\n");
    await expect(read(["d.ndjson"], { resumeFrom: cursor })).rejects.toThrow(
      /d\.ndjson: the file changed since the checkpoint \(size/,
    );
    writeFileSync(join(dir, "d2.ndjson"), event(1) + "\n");
    await expect(read(["d2.ndjson"], { resumeFrom: cursor })).rejects.toThrow(
      /the inputs changed since the checkpoint/,
    );
  });

  test("worker ranges: a cursor at every range end, resumed at the first line starting after it", async () => {
    // ~9 MB: three 4 MiB ranges, whose ends fall inside lines.
    const pad = "x".repeat(120);
    const lines = Array.from({ length: 60_000 }, (_, i) =>
      JSON.stringify({ id: `e${i}`, detail: { n: i, pad } }),
    );
    writeFileSync(join(dir, "big.ndjson"), lines.join("\n") + "\n");
    const literals = [['"detail"']];
    const prefilter = (text: string) => text.includes('"detail"');
    const full = await read(["big.ndjson"], { prefilter, literals }, { workers: 2 });
    const withCursor = full.batches.filter((b) => b.cursor !== undefined);
    expect(withCursor.length).toBe(3);
    expect(full.positions).toHaveLength(60_000);
    let seen = 0;
    for (const batch of full.batches) {
      seen += batch.positions.length;
      if (batch.cursor === undefined) continue;
      expect((batch.cursor as { align?: boolean }).align).toBe(true);
      const rest = await read(
        ["big.ndjson"],
        { resumeFrom: batch.cursor, prefilter, literals },
        { workers: 2 },
      );
      expect(rest.positions).toEqual(full.positions.slice(seen));
    }
  }, 60_000);

  test("stdin is not resumable", () => {
    expect(source(["-"]).resumable).toBe(false);
    expect(source(["a.ndjson"]).resumable).toBe(true);
  });

  test("shards split the sorted inputs round-robin and cover each once; each shard resumes on its own", async () => {
    const names = ["s1", "s2", "s3", "s4", "s5"].map((n, k) => {
      writeFileSync(
        join(dir, `${n}.ndjson`),
        Array.from({ length: 4 }, (_, i) => event(k * 10 + i)).join("\n"),
      );
      return `${n}.ndjson`;
    });
    const whole = await read(["s*.ndjson"]);
    const parts = await Promise.all(
      [0, 1].map((index) => read(["s*.ndjson"], { shard: { index, count: 2 } })),
    );
    expect(parts[0]!.positions.every((p) => /^s[135]/.test(p))).toBe(true);
    expect([...parts[0]!.positions, ...parts[1]!.positions].sort()).toEqual([...whole.positions].sort());
    expect(names).toHaveLength(5);
    const cursor = parts[1]!.batches[2]!.cursor!;
    const rest = await read(["s*.ndjson"], { shard: { index: 1, count: 2 }, resumeFrom: cursor });
    const before = parts[1]!.batches.slice(0, 3).flatMap((b) => b.positions).length;
    expect(rest.positions).toEqual(parts[1]!.positions.slice(before));
  });
});
