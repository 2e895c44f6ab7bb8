import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { fileTarget } from "./target-plugin.ts";
import { readAll, tempDir, testHost } from "./test-helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

function makeEvent(n: number, detail: unknown = { n }): EventBridgeEvent {
  return {
    version: "0",
    id: `id-${n}`,
    "detail-type": "Order Placed",
    source: "shop",
    account: "123456789012",
    time: "2024-01-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
}
const envelope = (event: EventBridgeEvent, seq: number, text?: string): Envelope => ({
  event,
  position: `in:${seq + 1}`,
  seq,
  record: event,
  ...(text === undefined ? {} : { text }),
});

describe("file target", () => {
  test("round trip: events written are read back unchanged by the file source", async () => {
    const tricky = { s: 'quote " back \\ \u2028 é 🎉', nested: [1, { a: null }] };
    const events = [makeEvent(1), makeEvent(2, tricky), makeEvent(3)];
    const target = await fileTarget.create({ path: "out.ndjson", append: false }, testHost(dir));
    await target.open?.();
    expect((await target.check()).ok).toBe(true);
    const result = await target.write([
      envelope(events[0]!, 0, JSON.stringify(events[0])),
      envelope(events[1]!, 1),
      // Pretty-printed source text (from a JSON array) must not break the one-line-per-event rule.
      envelope(events[2]!, 2, JSON.stringify(events[2], null, 2)),
    ]);
    expect(result.failures).toEqual([]);
    await target.flush?.();
    await target.close?.();
    const text = await readFile(join(dir, "out.ndjson"), "utf8");
    expect(text.split("\n").length).toBe(4);
    const back = await readAll(dir, { paths: ["out.ndjson"] });
    expect(back.values).toEqual(events);
    expect(back.invalid).toEqual([]);
  });

  test("text given by the source is written byte for byte", async () => {
    const event = makeEvent(1);
    const original =
      '{ "version":"0", "id":"id-1" ,"detail-type":"Order Placed","source":"shop","account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1","resources":[],"detail":{"n":1}}';
    const target = await fileTarget.create({ path: "out.ndjson", append: false }, testHost(dir));
    await target.open?.();
    await target.write([envelope(event, 0, original)]);
    await target.close?.();
    expect(await readFile(join(dir, "out.ndjson"), "utf8")).toBe(original + "\n");
  });

  test("truncates by default, appends with append: true", async () => {
    await writeFile(join(dir, "out.ndjson"), '{"old":true}\n');
    for (const append of [true, false]) {
      const target = await fileTarget.create({ path: "out.ndjson", append }, testHost(dir));
      await target.open?.();
      await target.write([envelope(makeEvent(append ? 1 : 2), 0)]);
      await target.close?.();
      const lines = (await readFile(join(dir, "out.ndjson"), "utf8")).trim().split("\n");
      expect(lines.map((line) => JSON.parse(line).id ?? "old")).toEqual(append ? ["old", "id-1"] : ["id-2"]);
    }
  });

  test("dry run: plan says write to the path, nothing is created", async () => {
    const target = await fileTarget.create(
      { path: "dry.ndjson", append: false },
      testHost(dir, { dryRun: true }),
    );
    await target.open?.();
    expect(await target.check()).toEqual({ ok: true, details: [`dry.ndjson will be created in ${dir}`] });
    const plan = await target.plan([envelope(makeEvent(1), 0), envelope(makeEvent(2), 1)]);
    expect(plan.map(({ index, action, destination }) => ({ index, action, destination }))).toEqual([
      { index: 0, action: "write", destination: "dry.ndjson" },
      { index: 1, action: "write", destination: "dry.ndjson" },
    ]);
    await target.close?.();
    expect(await stat(join(dir, "dry.ndjson")).catch(() => "missing")).toBe("missing");
  });

  test("check fails for a missing folder, a folder path and a read-only folder, without creating anything", async () => {
    const missing = await fileTarget.create({ path: "no/such/out.ndjson", append: false }, testHost(dir));
    expect(await missing.check()).toEqual({
      ok: false,
      details: [`folder ${join(dir, "no/such")} does not exist`],
    });
    const folder = await fileTarget.create({ path: ".", append: false }, testHost(dir));
    expect((await folder.check()).ok).toBe(false);
    // Root ignores permissions, and Windows has no write bit on folders.
    if (process.getuid?.() !== 0 && process.platform !== "win32") {
      await chmod(dir, 0o500);
      try {
        const readOnly = await fileTarget.create({ path: "out.ndjson", append: false }, testHost(dir));
        expect((await readOnly.check()).ok).toBe(false);
      } finally {
        await chmod(dir, 0o700);
      }
    }
    expect(await stat(join(dir, "out.ndjson")).catch(() => "missing")).toBe("missing");
  });

  test("fromUri maps the rest to the path", () => {
    expect(fileTarget.config.fromUri?.("out/x.ndjson")).toEqual({ path: "out/x.ndjson" });
    expect(() => fileTarget.config.fromUri?.("")).toThrow();
  });
});
