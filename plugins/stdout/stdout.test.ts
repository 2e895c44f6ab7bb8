import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { createHost } from "../../src/host/create-host.ts";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import stdoutTarget, { createStdoutPlugin, createStdoutTarget } from "./index.ts";

const event = (n: number): EventBridgeEvent => ({
  version: "0",
  id: `id-${n}`,
  "detail-type": "T",
  source: "s",
  account: "1",
  time: "2024-01-01T00:00:00Z",
  region: "r",
  resources: [],
  detail: { n, s: 'é \u2028 "q"' },
});
const envelope = (n: number, text?: string): Envelope => ({
  event: event(n),
  position: `x:${n}`,
  seq: n,
  record: event(n),
  ...(text === undefined ? {} : { text }),
});

async function collect(stream: PassThrough): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("stdout target", () => {
  test("writes one NDJSON line per event, passing source text through", async () => {
    const stream = new PassThrough();
    const output = collect(stream);
    const target = createStdoutTarget(stream);
    const custom = '{"id":"id-2","kept":"as written"}';
    expect(await target.write([envelope(1), envelope(2, custom)])).toEqual({ failures: [] });
    await target.flush?.();
    await target.close?.();
    stream.end();
    expect(await output).toBe(JSON.stringify(event(1)) + "\n" + custom + "\n");
  });

  test("waits for the stream to drain when its buffer is full (backpressure)", async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const target = createStdoutTarget(stream);
    let settled = false;
    const pending = target.write([envelope(1)]).then(() => {
      settled = true;
    });
    await Bun.sleep(20);
    expect(settled).toBe(false);
    const data = stream.read();
    expect(String(data)).toContain('"id-1"');
    await pending;
    expect(settled).toBe(true);
  });

  test("a broken stream makes write throw", async () => {
    const stream = new PassThrough();
    const target = createStdoutTarget(stream);
    stream.destroy(new Error("EPIPE: broken pipe"));
    await Bun.sleep(5);
    await expect(target.write([envelope(1)])).rejects.toThrow("stdout: cannot write");
  });

  test("plan: one write to stdout per item; check is ok", async () => {
    const plugin = createStdoutPlugin(() => new PassThrough());
    const host = createHost({
      pluginName: "stdout",
      dryRun: true,
      signal: new AbortController().signal,
      baseDir: ".",
      aws: {},
      stderr: { write: () => true },
    });
    const target = await plugin.create({}, host);
    expect((await target.check()).ok).toBe(true);
    const plan = await target.plan([envelope(1), envelope(2)]);
    expect(plan.map((p) => [p.index, p.action, p.destination])).toEqual([
      [0, "write", "stdout"],
      [1, "write", "stdout"],
    ]);
  });

  test("the default export is the stdout plugin; its URI takes no argument", () => {
    expect(stdoutTarget.name).toBe("stdout");
    expect(stdoutTarget.kind).toBe("target");
    expect(stdoutTarget.config.fromUri?.("")).toEqual({});
    expect(() => stdoutTarget.config.fromUri?.("x")).toThrow();
  });
});
