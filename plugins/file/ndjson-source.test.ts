import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readAll, stdinOf, tempDir } from "./test-helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const event = (n: number) => ({ id: `e${n}`, "detail-type": n % 2 ? "Odd" : "Even", detail: { n } });
const ndjson = (count: number) =>
  Array.from({ length: count }, (_, k) => JSON.stringify(event(k))).join("\n") + "\n";

describe("file source, NDJSON", () => {
  test("reads every line in order with file:line positions and the original text", async () => {
    await writeFile(join(dir, "a.ndjson"), ndjson(3));
    const result = await readAll(dir, { paths: ["a.ndjson"] });
    expect(result.values).toEqual([event(0), event(1), event(2)]);
    expect(result.positions).toEqual(["a.ndjson:1", "a.ndjson:2", "a.ndjson:3"]);
    expect(result.texts[1]).toBe(JSON.stringify(event(1)));
    expect(result.invalid).toEqual([]);
  });

  test("a last line without newline is read", async () => {
    await writeFile(join(dir, "a.ndjson"), '{"a":1}\n{"a":2}');
    expect((await readAll(dir, { paths: ["a.ndjson"] })).values).toEqual([{ a: 1 }, { a: 2 }]);
  });

  test("empty and whitespace-only files give no records", async () => {
    await writeFile(join(dir, "empty.ndjson"), "");
    await writeFile(join(dir, "blank.ndjson"), "\n \n\t\r\n");
    const result = await readAll(dir, { paths: ["empty.ndjson", "blank.ndjson"] });
    expect(result.values).toEqual([]);
    expect(result.invalid).toEqual([]);
  });

  test("BOM, CRLF and blank lines: skipped, line numbers still count them", async () => {
    await writeFile(join(dir, "w.ndjson"), '\uFEFF{"a":1}\r\n\r\n   \r\n{"a":2}\r\n');
    const result = await readAll(dir, { paths: ["w.ndjson"] });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.positions).toEqual(["w.ndjson:1", "w.ndjson:4"]);
    expect(result.texts).toEqual(['{"a":1}', '{"a":2}']);
  });

  test("a BOM split across the first chunks is still stripped (stdin)", async () => {
    const bytes = new TextEncoder().encode('\uFEFF{"a":1}\n');
    const result = await readAll(
      dir,
      { paths: ["-"] },
      { stdin: stdinOf(bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)) },
    );
    expect(result.values).toEqual([{ a: 1 }]);
    expect(result.positions).toEqual(["-:1"]);
  });

  test("U+2028 inside a string does not split the record", async () => {
    const value = { text: "a\u2028b\u2029c", emoji: "🎉", quote: 'say "hi" \\ ok' };
    await writeFile(join(dir, "u.ndjson"), JSON.stringify(value) + "\n" + JSON.stringify({ b: 2 }) + "\n");
    const result = await readAll(dir, { paths: ["u.ndjson"] });
    expect(result.values).toEqual([value, { b: 2 }]);
  });

  test("lines split across arbitrary chunk boundaries (stdin), including inside multi-byte characters", async () => {
    const text = ndjson(20).replace(/Even/g, "Évén 🎉");
    const bytes = new TextEncoder().encode(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0, size = 1; i < bytes.length; i += size, size = ((size * 7) % 13) + 1)
      chunks.push(bytes.subarray(i, i + size));
    const result = await readAll(dir, { paths: ["-"] }, { stdin: stdinOf(...chunks) });
    expect(result.values).toEqual(
      text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    );
    expect(result.positions[19]).toBe("-:20");
  });

  test("a malformed line is invalid with file:line:column and the reason, and ends its batch", async () => {
    await writeFile(join(dir, "bad.ndjson"), '{"a":1}\n{"a":2}\n{"a": 3,, "b": 4}\n{"a":4}\n');
    const result = await readAll(dir, { paths: ["bad.ndjson"] });
    expect(result.invalid).toEqual([
      {
        position: "bad.ndjson:3:9",
        reason: "invalid JSON: expected a property name in double quotes, found ','",
        text: '{"a": 3,, "b": 4}',
      },
    ]);
    // The invalid record ends the batch: nothing read after it shares its batch.
    const withInvalid = result.batches.find((batch) => batch.invalid?.length);
    expect(withInvalid?.records.map((r) => r.value)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }, { a: 4 }]);
  });

  test("other syntax errors: unterminated string, truncated object, bare word", async () => {
    await writeFile(join(dir, "bad.ndjson"), '{"a":"x}\n  {"a":1\n{"a":tru}\n{"a": [1, 2 ,  ]}\n');
    const result = await readAll(dir, { paths: ["bad.ndjson"] });
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([
      ["bad.ndjson:1:6", "invalid JSON: unterminated string: the closing '\"' is missing"],
      ["bad.ndjson:2:9", "invalid JSON: unexpected end of the record: '}' is missing"],
      ["bad.ndjson:3:6", "invalid JSON: unexpected word 'tru' (JSON allows only true, false and null)"],
      ["bad.ndjson:4:13", "invalid JSON: trailing comma before ']'"],
    ]);
  });

  test("invalid UTF-8 makes that line invalid, never silently replaced; other lines are read", async () => {
    const good = new TextEncoder().encode('{"a":"é"}\n');
    const bad = new Uint8Array([
      ...new TextEncoder().encode('{"a":"x'),
      0xff,
      ...new TextEncoder().encode('"}\n'),
    ]);
    await writeFile(join(dir, "bin.ndjson"), Buffer.concat([good, bad, good]));
    const result = await readAll(dir, { paths: ["bin.ndjson"] });
    expect(result.values).toEqual([{ a: "é" }, { a: "é" }]);
    expect(result.positions).toEqual(["bin.ndjson:1", "bin.ndjson:3"]);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid[0]!.position).toBe("bin.ndjson:2:8");
    expect(result.invalid[0]!.reason).toContain("invalid UTF-8 (byte 0xff");
  });

  test("a ~30 MB line is read", async () => {
    const big = { id: "big", detail: { blob: "x".repeat(30 * 1024 * 1024) } };
    await writeFile(join(dir, "big.ndjson"), '{"a":1}\n' + JSON.stringify(big) + '\n{"a":2}\n');
    const started = performance.now();
    const result = await readAll(dir, { paths: ["big.ndjson"] });
    expect(result.values.length).toBe(3);
    expect((result.values[1] as typeof big).detail.blob.length).toBe(30 * 1024 * 1024);
    expect(result.positions).toEqual(["big.ndjson:1", "big.ndjson:2", "big.ndjson:3"]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("a line over maxRecordBytes is invalid and skipped; reading goes on", async () => {
    await writeFile(join(dir, "big.ndjson"), '{"a":1}\n"' + "y".repeat(5 * 1024 * 1024) + '"\n{"a":2}\n');
    const result = await readAll(dir, { paths: ["big.ndjson"], maxRecordBytes: 1024 * 1024 });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.positions).toEqual(["big.ndjson:1", "big.ndjson:3"]);
    expect(result.invalid.map((i) => i.position)).toEqual(["big.ndjson:2:1"]);
    expect(result.invalid[0]!.reason).toContain("maxRecordBytes");
  });

  test("prefilter: rejected lines are counted, not parsed or yielded", async () => {
    await writeFile(join(dir, "p.ndjson"), ndjson(10) + "not json but filtered out\n");
    const result = await readAll(
      dir,
      { paths: ["p.ndjson"] },
      { prefilter: (text) => text.includes('"Odd"') },
    );
    expect(result.values).toEqual([1, 3, 5, 7, 9].map(event));
    expect(result.prefiltered).toBe(6);
    expect(result.invalid).toEqual([]);
  });

  test("batches hold at most batchSize records", async () => {
    await writeFile(join(dir, "a.ndjson"), ndjson(25));
    const result = await readAll(dir, { paths: ["a.ndjson"], batchSize: 10 });
    expect(result.batches.map((b) => b.records.length)).toEqual([10, 10, 5]);
  });

  test("several files and globs: given order, glob matches in byte order, each file once", async () => {
    await mkdir(join(dir, "logs"));
    for (const name of ["b.ndjson", "a.ndjson", "B.ndjson", "a2.ndjson"]) {
      await writeFile(join(dir, "logs", name), JSON.stringify({ file: name }) + "\n");
    }
    await writeFile(join(dir, "first.ndjson"), JSON.stringify({ file: "first" }) + "\n");
    const result = await readAll(dir, { paths: ["first.ndjson", "logs/*.ndjson", "logs/a.ndjson"] });
    expect(result.values).toEqual([
      { file: "first" },
      { file: "B.ndjson" },
      { file: "a.ndjson" },
      { file: "a2.ndjson" },
      { file: "b.ndjson" },
    ]);
    expect(result.positions).toEqual([
      "first.ndjson:1",
      "logs/B.ndjson:1",
      "logs/a.ndjson:1",
      "logs/a2.ndjson:1",
      "logs/b.ndjson:1",
    ]);
  });

  test("a missing file or a glob matching nothing is an error naming it", async () => {
    await expect(readAll(dir, { paths: ["nope.ndjson"] })).rejects.toThrow("nope.ndjson: no such file");
    await expect(readAll(dir, { paths: ["nothing/*.ndjson"] })).rejects.toThrow(
      "nothing/*.ndjson: the glob matches no file",
    );
  });

  test(".gz files are gunzipped as a stream", async () => {
    await writeFile(join(dir, "a.ndjson.gz"), gzipSync(ndjson(1000)));
    const result = await readAll(dir, { paths: ["a.ndjson.gz"] });
    expect(result.values.length).toBe(1000);
    expect(result.values[999]).toEqual(event(999));
    expect(result.positions[999]).toBe("a.ndjson.gz:1000");
  });

  test("a corrupt .gz is an error naming the file", async () => {
    const gz = gzipSync(ndjson(100));
    await writeFile(join(dir, "cut.ndjson.gz"), gz.subarray(0, gz.length - 30));
    await expect(readAll(dir, { paths: ["cut.ndjson.gz"] })).rejects.toThrow("cut.ndjson.gz: cannot gunzip");
  });

  test("gzipped stdin is recognised by its magic bytes and gunzipped", async () => {
    const gz = gzipSync(ndjson(500));
    const result = await readAll(
      dir,
      { paths: ["-"] },
      { stdin: stdinOf(gz.subarray(0, 100), gz.subarray(100)) },
    );
    expect(result.values.length).toBe(500);
    expect(result.values[499]).toEqual(event(499));
  });

  test("stdin is read through the injected stream, positions use '-'", async () => {
    const result = await readAll(dir, { paths: ["-"] }, { stdin: stdinOf('{"a":1}\n{"a":', "2}\n") });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.positions).toEqual(["-:1", "-:2"]);
  });

  test("fromUri maps the rest to one path", async () => {
    const { fileSource } = await import("./source-plugin.ts");
    expect(fileSource.config.fromUri?.("data/*.ndjson")).toEqual({ paths: ["data/*.ndjson"] });
    expect(fileSource.config.fromUri?.("-")).toEqual({ paths: ["-"] });
    expect(() => fileSource.config.fromUri?.("")).toThrow();
  });

  test("an absolute glob expands in byte order, positions keep the absolute paths", async () => {
    await mkdir(join(dir, "abs"));
    for (const name of ["2.ndjson", "10.ndjson", "1.ndjson"]) {
      await writeFile(join(dir, "abs", name), JSON.stringify({ file: name }) + "\n");
    }
    const result = await readAll("/", { paths: [join(dir, "abs", "*.ndjson")] });
    expect(result.positions).toEqual(
      ["1.ndjson", "10.ndjson", "2.ndjson"].map((name) => `${join(dir, "abs", name)}:1`),
    );
  });

  test("stops promptly when the run's signal fires", async () => {
    await writeFile(join(dir, "a.ndjson"), ndjson(5000));
    const { createFileSourcePlugin } = await import("./source-plugin.ts");
    const { testHost } = await import("./test-helpers.ts");
    const source = await createFileSourcePlugin().create(
      { paths: ["a.ndjson"], format: "auto", batchSize: 100, maxRecordBytes: 1 << 20, workers: 0 },
      testHost(dir),
    );
    const stop = new AbortController();
    let batches = 0;
    for await (const _ of source.batches({ signal: stop.signal })) {
      batches++;
      stop.abort();
    }
    expect(batches).toBeLessThan(50);
  });
});
