/** `rehydrate pattern test` and `pattern validate`, run in-process. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli-helpers.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-pattern-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PATTERN = '{"source":["shop"],"detail":{"amount":[{"numeric":[">",100]}]}}';

describe("pattern test --event", () => {
  test("prints Result true like aws events test-event-pattern", async () => {
    const r = await runCli([
      "pattern",
      "test",
      "--pattern",
      PATTERN,
      "--event",
      '{"source":"shop","detail":{"amount":150}}',
    ]);
    expect(r).toEqual({ code: 0, stdout: '{"Result": true}\n', stderr: "" });
  });

  test("prints Result false", async () => {
    const r = await runCli([
      "pattern",
      "test",
      "--pattern",
      PATTERN,
      "--event",
      '{"source":"shop","detail":{"amount":50}}',
    ]);
    expect(r.stdout).toBe('{"Result": false}\n');
    expect(r.code).toBe(0);
  });

  test("reads pattern and event from @files", async () => {
    writeFileSync(join(dir, "p.json"), PATTERN);
    writeFileSync(join(dir, "e.json"), '{"source":"shop","detail":{"amount":101}}');
    const r = await runCli([
      "pattern",
      "test",
      "--pattern",
      `@${join(dir, "p.json")}`,
      "--event",
      `@${join(dir, "e.json")}`,
    ]);
    expect(r.stdout).toBe('{"Result": true}\n');
  });

  test("an invalid pattern exits 2 with AWS's message", async () => {
    const r = await runCli(["pattern", "test", "--pattern", '{"a":[]}', "--event", "{}"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("Event pattern is not valid. Reason: Empty arrays are not allowed\n");
    expect(r.stdout).toBe("");
  });

  test("malformed event JSON exits 2", async () => {
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--event", "{nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the event is not valid JSON");
  });

  test("a missing pattern file exits 2 naming it", async () => {
    const r = await runCli([
      "pattern",
      "test",
      "--pattern",
      `@${join(dir, "missing.json")}`,
      "--event",
      "{}",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.json");
  });

  test("needs exactly one of --event and --events", async () => {
    expect((await runCli(["pattern", "test", "--pattern", PATTERN])).code).toBe(2);
    expect(
      (await runCli(["pattern", "test", "--pattern", PATTERN, "--event", "{}", "--events", "-"])).code,
    ).toBe(2);
  });

  test("needs exactly one pattern source", async () => {
    const r = await runCli(["pattern", "test", "--event", "{}"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("exactly one of --pattern, --rule or --template");
  });
});

describe("pattern test --events", () => {
  const lines = [
    '{"source":"shop","detail":{"amount":150}}',
    '{"source":"shop","detail":{"amount":5}}',
    '{"source":"other","detail":{"amount":150}}',
    '{"source":"shop","detail":{"amount":[1,999]}}',
  ];

  test("one result per line, in order, from a file", async () => {
    const file = join(dir, "events.ndjson");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--events", file]);
    expect(r).toEqual({ code: 0, stdout: "true\nfalse\nfalse\ntrue\n", stderr: "" });
  });

  test("from stdin with -, CRLF line ends and blank lines", async () => {
    const r = await runCli(
      ["pattern", "test", "--pattern", PATTERN, "--events", "-"],
      `${lines.join("\r\n")}\r\n\r\n`,
    );
    expect(r.stdout).toBe("true\nfalse\nfalse\ntrue\n");
    expect(r.code).toBe(0);
  });

  test("a malformed line is reported as file:line and exits 2", async () => {
    const file = join(dir, "bad.ndjson");
    writeFileSync(file, `${lines[0]}\n\n{"source":\n${lines[1]}\n`);
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--events", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("true\n");
    expect(r.stderr).toStartWith(`${file}:3: not valid JSON`);
  });

  test("a malformed stdin line names stdin", async () => {
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--events", "-"], "nope\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("stdin:1: not valid JSON");
  });

  test("a missing events file exits 2", async () => {
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--events", join(dir, "none.ndjson")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read");
  });

  test("many events stream through in order", async () => {
    const file = join(dir, "many.ndjson");
    const amounts = Array.from({ length: 20000 }, (_, i) => (i * 7919) % 300);
    writeFileSync(file, amounts.map((a) => `{"source":"shop","detail":{"amount":${a}}}`).join("\n"));
    const r = await runCli(["pattern", "test", "--pattern", PATTERN, "--events", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(amounts.map((a) => `${a > 100}\n`).join(""));
  });
});

describe("pattern validate", () => {
  test("valid", async () => {
    expect(await runCli(["pattern", "validate", "--pattern", PATTERN])).toEqual({
      code: 0,
      stdout: "valid\n",
      stderr: "",
    });
  });

  test("invalid exits 2 with AWS's message", async () => {
    const r = await runCli([
      "pattern",
      "validate",
      "--pattern",
      '{"detail":{"c-count":[{"numeric":[">",0,">",0]}]}}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("Event pattern is not valid. Reason: Bad numeric range operator: >\n");
  });

  test("not JSON", async () => {
    const r = await runCli(["pattern", "validate", "--pattern", "{"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the pattern is not valid JSON");
  });
});
