/** End-to-end: the file source and the file/stdout targets through `rehydrate run`, in-process. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../plugins/file/test-helpers.ts";
import { generateEvents, writeEvents } from "../../scripts/bench/generate-events.ts";
import { runCli } from "../support/cli.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const PATTERN = '{"detail-type":["Order Placed"],"detail":{"amount":[{"numeric":[">",100]}]}}';
const matches = (event: { "detail-type": string; detail: unknown }) =>
  event["detail-type"] === "Order Placed" && (event.detail as { amount: number }).amount > 100;
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");

describe("rehydrate run with the file source and file/stdout targets", () => {
  test("NDJSON and array inputs, with and without prefilter, write the same matching events in order", async () => {
    const count = 3000;
    const expected = [...generateEvents({ count })].filter(matches);
    await writeEvents(join(dir, "in.ndjson"), "ndjson", { count });
    await writeEvents(join(dir, "in.json"), "array", { count });
    const outputs: string[] = [];
    for (const [input, extra] of [
      ["in.ndjson", []],
      ["in.ndjson", ["--no-prefilter"]],
      ["in.json", []],
      ["in.json", ["--no-prefilter"]],
    ] as const) {
      const out = join(dir, `out-${outputs.length}.ndjson`);
      const { code, stderr } = await runCli([
        "run",
        "--from",
        `file:${join(dir, input)}`,
        "--pattern",
        PATTERN,
        "--to",
        `file:${out}`,
        ...extra,
      ]);
      expect(stderr).toContain("rehydrate run completed");
      expect(code).toBe(0);
      outputs.push(readFileSync(out, "utf8"));
    }
    expect(lines(join(dir, "out-0.ndjson")).map((line) => JSON.parse(line))).toEqual(expected);
    expect(new Set(outputs).size).toBe(1);
    // The NDJSON input's matching lines pass through byte for byte.
    const inputLines = lines(join(dir, "in.ndjson"));
    expect(lines(join(dir, "out-0.ndjson"))).toEqual(inputLines.filter((line) => matches(JSON.parse(line))));
  });

  test("the file target's output is a valid --from source (round trip)", async () => {
    await writeEvents(join(dir, "in.json"), "array", { count: 500 });
    const first = join(dir, "first.ndjson");
    const second = join(dir, "second.ndjson");
    expect((await runCli(["run", "--from", join(dir, "in.json"), "--to", `file:${first}`])).code).toBe(0);
    expect((await runCli(["run", "--from", `file:${first}`, "--to", `file:${second}`])).code).toBe(0);
    expect(lines(second).map((line) => JSON.parse(line))).toEqual([...generateEvents({ count: 500 })]);
    expect(readFileSync(second, "utf8")).toBe(readFileSync(first, "utf8"));
  });

  test("a malformed record stops the run before anything after it is written, naming file:line:column", async () => {
    const events = [...generateEvents({ count: 5 })].map((event) => JSON.stringify(event));
    events.splice(3, 0, '{"id": "broken", "detail": {"x": 1,}}');
    writeFileSync(join(dir, "in.ndjson"), events.join("\n") + "\n");
    const out = join(dir, "out.ndjson");
    const report = join(dir, "report.json");
    const run = await runCli([
      "run",
      "--from",
      `file:${join(dir, "in.ndjson")}`,
      "--to",
      `file:${out}`,
      "--report",
      report,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("in.ndjson:4:35");
    expect(lines(out)).toEqual(events.slice(0, 3));
    expect(JSON.stringify(JSON.parse(readFileSync(report, "utf8")))).toContain("in.ndjson:4:35");

    const skipped = await runCli([
      "run",
      "--from",
      `file:${join(dir, "in.ndjson")}`,
      "--to",
      `file:${out}`,
      "--skip-invalid",
    ]);
    expect(skipped.code).not.toBe(2);
    expect(lines(out)).toEqual([...events.slice(0, 3), ...events.slice(4)]);
  });

  test("stdin to stdout: '-' reads the CLI's stdin, stdout: writes the lines unchanged", async () => {
    const events = [...generateEvents({ count: 1000 })].map((event) => JSON.stringify(event));
    const { code, stdout } = await runCli(
      ["run", "--from", "-", "--to", "stdout:"],
      events.join("\n") + "\n",
    );
    expect(code).toBe(0);
    expect(stdout).toBe(events.join("\n") + "\n");
  });

  test("a dry run opens nothing for writing", async () => {
    await writeEvents(join(dir, "in.ndjson"), "ndjson", { count: 100 });
    const out = join(dir, "never.ndjson");
    const { code } = await runCli([
      "run",
      "--from",
      join(dir, "in.ndjson"),
      "--to",
      `file:${out}`,
      "--dry-run",
    ]);
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  test("a glob matching nothing is a clear error", async () => {
    const { code, stderr } = await runCli([
      "run",
      "--from",
      `file:${join(dir, "none-*.ndjson")}`,
      "--to",
      "stdout:",
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain("the glob matches no file");
  });
});
