import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { readAll, stdinOf, tempDir } from "./test-helpers.ts";

/** Runs a child that reads its real stdin with the file source, fed `bytes` in delayed pieces. */
async function readRealStdin(
  dir: string,
  bytes: Uint8Array,
): Promise<{ values: unknown[]; invalid: unknown[] }> {
  const script = join(dir, "read-stdin.ts");
  await writeFile(
    script,
    `import { readAll } from ${JSON.stringify(join(import.meta.dir, "test-helpers.ts"))};
const result = await readAll(${JSON.stringify(dir)}, { paths: ["-"] }, { stdin: () => process.stdin });
process.stdout.write(JSON.stringify({ values: result.values, invalid: result.invalid }));`,
  );
  const child = Bun.spawn([process.execPath, script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  for (let i = 0, size = 1; i < bytes.length; i += size, size = size * 3 + 1) {
    child.stdin.write(bytes.subarray(i, i + size));
    await child.stdin.flush();
    await Bun.sleep(5);
  }
  await child.stdin.end();
  const out = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  return JSON.parse(out);
}

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const tricky = {
  id: "t",
  detail: {
    s: 'a "quoted" \\ back\\slash ] } [ {',
    u: "é 🎉 \u2028 x",
    esc: "\\\\",
    n: [1, [2, { x: "]" }]],
  },
};

describe("file source, JSON array", () => {
  test("streams elements with file:line:column positions and their text", async () => {
    await writeFile(join(dir, "a.json"), '[\n  {"a": 1},\n  {"a": 2}, {"a": 3}\n]\n');
    const result = await readAll(dir, { paths: ["a.json"] });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(result.positions).toEqual(["a.json:2:3", "a.json:3:3", "a.json:3:13"]);
    expect(result.texts).toEqual(['{"a": 1}', '{"a": 2}', '{"a": 3}']);
    expect(result.invalid).toEqual([]);
  });

  test("strings with brackets, escaped quotes and backslashes, and scalars", async () => {
    const values = [tricky, "x\\", 42, -1.5e3, true, null, [], {}, "]"];
    await writeFile(join(dir, "t.json"), JSON.stringify(values));
    expect((await readAll(dir, { paths: ["t.json"] })).values).toEqual(values);
  });

  test("pretty-printed elements spanning lines, with BOM and CRLF", async () => {
    const values = [tricky, { b: [1, 2] }];
    await writeFile(join(dir, "p.json"), "\uFEFF" + JSON.stringify(values, null, 2).replace(/\n/g, "\r\n"));
    const result = await readAll(dir, { paths: ["p.json"] });
    expect(result.values).toEqual(values);
    expect(result.positions[0]).toBe("p.json:2:3");
  });

  test("empty file, whitespace, [] and [ ] give no records", async () => {
    await writeFile(join(dir, "e1.json"), "");
    await writeFile(join(dir, "e2.json"), "[]");
    await writeFile(join(dir, "e3.json"), " \n [ \n ] \n");
    const result = await readAll(dir, { paths: ["e1.json", "e2.json", "e3.json"], format: "array" });
    expect(result.values).toEqual([]);
    expect(result.invalid).toEqual([]);
  });

  test("a file cut off mid-array: elements before it are read, then invalid at the end with its position", async () => {
    await writeFile(join(dir, "cut.json"), '[{"a":1},\n{"a":2},\n{"a":');
    const result = await readAll(dir, { paths: ["cut.json"] });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid[0]!.position).toBe("cut.json:3:6");
    expect(result.invalid[0]!.reason).toBe(
      "unexpected end of file: the element starting at line 3 column 1 is cut off",
    );
  });

  test("a missing ']' after the last element, and after a trailing scalar", async () => {
    await writeFile(join(dir, "a.json"), '[{"a":1}\n');
    await writeFile(join(dir, "b.json"), "[1, 2");
    const result = await readAll(dir, { paths: ["a.json", "b.json"] });
    expect(result.values).toEqual([{ a: 1 }, 1, 2]);
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([
      ["a.json:2:1", "unexpected end of file: the closing ']' is missing"],
      ["b.json:1:6", "unexpected end of file: the closing ']' is missing"],
    ]);
  });

  test("a malformed element is invalid with line:column inside it; the next elements are read", async () => {
    await writeFile(join(dir, "bad.json"), '[\n{"a":1},\n{"a":\n  tru},\n{"a":3}\n]');
    const result = await readAll(dir, { paths: ["bad.json"] });
    expect(result.values).toEqual([{ a: 1 }, { a: 3 }]);
    expect(result.positions).toEqual(["bad.json:2:1", "bad.json:5:1"]);
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([
      ["bad.json:4:3", "invalid JSON: unexpected word 'tru' (JSON allows only true, false and null)"],
    ]);
  });

  test("a raw newline inside a string makes that element invalid and keeps later line numbers right", async () => {
    await writeFile(join(dir, "nl.json"), '[{"a":"x\ny"},\n{"b":2}]');
    const result = await readAll(dir, { paths: ["nl.json"] });
    expect(result.values).toEqual([{ b: 2 }]);
    expect(result.positions).toEqual(["nl.json:3:1"]);
    expect(result.invalid[0]!.position).toBe("nl.json:1:9");
  });

  test("structure errors stop the file: missing comma, trailing comma, text after ']'", async () => {
    await writeFile(join(dir, "a.json"), '[{"a":1} {"a":2}]');
    await writeFile(join(dir, "b.json"), "[1,]");
    await writeFile(join(dir, "c.json"), "[1] x");
    const result = await readAll(dir, { paths: ["a.json", "b.json", "c.json"] });
    expect(result.values).toEqual([{ a: 1 }, 1, 1]);
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([
      ["a.json:1:10", "expected ',' or ']' after an array element, found '{'"],
      ["b.json:1:4", "trailing comma before ']'"],
      ["c.json:1:5", "unexpected 'x' after the end of the JSON array"],
    ]);
  });

  test("format: array on a file that is not an array is invalid at its first character", async () => {
    await writeFile(join(dir, "x.json"), '{"a":1}\n');
    const result = await readAll(dir, { paths: ["x.json"], format: "array" });
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([
      ["x.json:1:1", "expected '[' to open a JSON array, found '{'"],
    ]);
  });

  test("elements split across arbitrary chunk boundaries (stdin), escapes and multi-byte characters included", async () => {
    const values = Array.from({ length: 30 }, (_, k) => ({ k, ...tricky }));
    const bytes = new TextEncoder().encode(JSON.stringify(values, null, 1));
    const chunks: Uint8Array[] = [];
    for (let i = 0, size = 1; i < bytes.length; i += size, size = ((size * 7) % 17) + 1)
      chunks.push(bytes.subarray(i, i + size));
    const result = await readAll(dir, { paths: ["-"] }, { stdin: stdinOf(...chunks) });
    expect(result.values).toEqual(values);
    expect(result.invalid).toEqual([]);
  });

  test("the process's real stdin (read into a reused buffer), plain and gzipped, arriving in delayed pieces", async () => {
    // Random text, so the gzipped input is several MiB too (several full reads in a row).
    const random = seededRandom(3);
    const noise = () => Array.from({ length: 1200 }, () => Math.floor(random() * 36).toString(36)).join("");
    const values = Array.from({ length: 3000 }, (_, k) => ({ k, noise: noise(), ...tricky }));
    const text = `[\n${values.map((v) => JSON.stringify(v)).join(",\n")}\n]\n`;
    const plain = new TextEncoder().encode(text);
    expect(await readRealStdin(dir, plain)).toEqual({ values, invalid: [] });
    expect(await readRealStdin(dir, gzipSync(plain))).toEqual({ values, invalid: [] });
  }, 30_000);

  test("invalid UTF-8 inside an element makes it invalid; the others are read", async () => {
    const enc = new TextEncoder();
    const bytes = Buffer.concat([
      enc.encode('[{"a":1},\n{"a":"x'),
      Buffer.from([0xc3, 0x28]),
      enc.encode('"},\n{"a":3}]'),
    ]);
    await writeFile(join(dir, "bin.json"), bytes);
    const result = await readAll(dir, { paths: ["bin.json"] });
    expect(result.values).toEqual([{ a: 1 }, { a: 3 }]);
    expect(result.invalid.map((i) => [i.position, i.reason])).toEqual([["bin.json:2:8", "invalid UTF-8"]]);
  });

  test("a ~30 MB element is read", async () => {
    const big = { id: "big", detail: { blob: "z".repeat(30 * 1024 * 1024) } };
    await writeFile(join(dir, "big.json"), "[" + JSON.stringify(big) + ',{"a":2}]');
    const started = performance.now();
    const result = await readAll(dir, { paths: ["big.json"] });
    expect(result.values.length).toBe(2);
    expect((result.values[0] as typeof big).detail.blob.length).toBe(30 * 1024 * 1024);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("an element over maxRecordBytes is invalid; reading goes on", async () => {
    await writeFile(join(dir, "big.json"), '[{"a":1},"' + "q".repeat(3 * 1024 * 1024) + '",{"a":2}]');
    const result = await readAll(dir, { paths: ["big.json"], maxRecordBytes: 1024 * 1024 });
    expect(result.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.invalid.map((i) => i.position)).toEqual(["big.json:1:10"]);
    expect(result.invalid[0]!.reason).toContain("maxRecordBytes");
  });

  test("prefilter counts rejected elements", async () => {
    const values = Array.from({ length: 10 }, (_, k) => ({ k, t: k % 3 === 0 ? "yes" : "no" }));
    await writeFile(join(dir, "p.json"), JSON.stringify(values));
    const result = await readAll(dir, { paths: ["p.json"] }, { prefilter: (text) => text.includes('"yes"') });
    expect(result.values).toEqual(values.filter((v) => v.t === "yes"));
    expect(result.prefiltered).toBe(6);
  });

  test(".gz arrays are gunzipped", async () => {
    await writeFile(join(dir, "a.json.gz"), gzipSync(JSON.stringify([tricky, tricky])));
    expect((await readAll(dir, { paths: ["a.json.gz"] })).values).toEqual([tricky, tricky]);
  });

  test("random arrays, layouts and chunk boundaries read back exactly (seeded)", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const leaf = () => [0, -2.5e10, 'q"\\"', "é🎉\u2028", true, null, "]}[{,"][Math.floor(random() * 7)];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.3) return leaf();
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, k) => [`k${k}`, value(depth + 1)]),
      );
    };
    for (let round = 0; round < 40; round++) {
      const values = Array.from({ length: Math.floor(random() * 30) }, () => value(0));
      const text = JSON.stringify(values, null, round % 3 === 0 ? undefined : round % 3);
      const bytes = new TextEncoder().encode(round % 2 ? text.replace(/\n/g, "\r\n") : text);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; ) {
        const size = 1 + Math.floor(random() * 40);
        chunks.push(bytes.subarray(i, i + size));
        i += size;
      }
      const result = await readAll(dir, { paths: ["-"] }, { stdin: stdinOf(...chunks) });
      expect(result.invalid).toEqual([]);
      expect(result.values).toEqual(values);
    }
  });
});
