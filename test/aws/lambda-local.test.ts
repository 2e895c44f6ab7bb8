import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import localLambda, { type LocalLambdaConfig } from "../../plugins/lambda-local/index.ts";
import type { Target } from "../../src/sdk/index.ts";
import { makeEnvelope, makeEvent, testHost } from "./helpers.ts";

const fixtures = join(import.meta.dir, "fixtures");

async function target(overrides: Partial<LocalLambdaConfig> = {}): Promise<Target> {
  const config: LocalLambdaConfig = {
    handler: "async-handler.ts",
    export: "handler",
    timeoutSeconds: 3,
    memoryMb: 256,
    retryFunctionErrors: false,
    maxInFlight: 16,
    ...overrides,
  };
  const created = await localLambda.create(config, testHost({ baseDir: fixtures, region: "eu-west-1" }).host);
  await created.open?.();
  return created;
}

interface Seen {
  event: { id: string; mutated?: boolean };
  context: Record<string, unknown>;
  remaining: number;
}
const seen = () => (globalThis as Record<string, unknown>).__lambdaLocalSeen as Seen[];

describe("lambda-local target", () => {
  test("calls the handler with the EventBridge-shaped event and a Lambda-like context", async () => {
    const t = await target();
    const event = makeEvent(1);
    const envelope = makeEnvelope(event, 0);
    const before = seen()?.length ?? 0;
    expect((await t.write([envelope])).failures).toEqual([]);
    const call = seen()[before]!;
    expect(call.event).toEqual({ ...event, mutated: true });
    // The handler got its own copy: the envelope's event is untouched.
    expect("mutated" in envelope.event).toBe(false);
    expect(call.context).toMatchObject({
      functionName: "async-handler",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:000000000000:function:async-handler",
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/async-handler",
    });
    expect(String(call.context.awsRequestId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.remaining).toBeGreaterThan(2000);
    expect(call.remaining).toBeLessThanOrEqual(3000);
  });

  test("a thrown error fails the item as FunctionError with its name and message", async () => {
    const result = await (await target()).write([
      makeEnvelope(makeEvent(2, { detail: { fail: "no stock" } }), 0),
    ]);
    expect(result.failures).toEqual([
      expect.objectContaining({ index: 0, code: "FunctionError", retryable: false }),
    ]);
    expect(result.failures[0]!.message).toContain("ProjectionError: no stock");
    const retried = await (await target({ retryFunctionErrors: true })).write([
      makeEnvelope(makeEvent(2, { detail: { fail: "again" } }), 0),
    ]);
    expect(retried.failures[0]!.retryable).toBe(true);
  });

  test("an invocation over the timeout fails like Lambda's Sandbox.Timedout", async () => {
    const t = await target({ timeoutSeconds: 0.05 });
    const result = await t.write([makeEnvelope(makeEvent(3, { detail: { delayMs: 300 } }), 0)]);
    expect(result.failures[0]).toMatchObject({ code: "FunctionError" });
    expect(result.failures[0]!.message).toContain("Task timed out after 0.05 seconds");
  });

  test("callback-style CommonJS handlers with a named export", async () => {
    const t = await target({ handler: "callback-handler.cjs", export: "onEvent" });
    const result = await t.write([makeEnvelope(makeEvent(4), 0)]);
    expect(result.failures).toEqual([]);
    const failed = await t.write([makeEnvelope(makeEvent(5, { detail: { fail: "bad" } }), 0)]);
    expect(failed.failures[0]!.message).toContain("TypeError: bad");
    expect((globalThis as Record<string, unknown>).__lambdaLocalCallbacks).toEqual(["evt-4", "evt-5"]);
  });

  test("check and open name the file for a missing file, a missing export and a broken module", async () => {
    const missingFile = await localLambda.create(
      {
        handler: "nope.ts",
        export: "handler",
        timeoutSeconds: 3,
        memoryMb: 128,
        retryFunctionErrors: false,
        maxInFlight: 1,
      },
      testHost({ baseDir: fixtures }).host,
    );
    const check = await missingFile.check();
    expect(check.ok).toBe(false);
    expect(check.details[0]).toContain(join(fixtures, "nope.ts"));
    expect(check.details[0]).toContain("file not found");
    await expect(target({ export: "notAFunction" })).rejects.toThrow(
      /no function export "notAFunction".*handler/,
    );
    await expect(target({ handler: "broken-module.ts" })).rejects.toThrow(
      /broken-module.ts: cannot import: module failed/,
    );
    const ok = await (await target()).check();
    expect(ok.ok).toBe(true);
  });

  test("fromUri splits file and export", () => {
    const fromUri = localLambda.config.fromUri!;
    expect(fromUri("./h.ts")).toEqual({ handler: "./h.ts" });
    expect(fromUri("dist/index.js#onEvent")).toEqual({ handler: "dist/index.js", export: "onEvent" });
    expect(() => fromUri("#x")).toThrow(/lambda-local:<handler file>/);
    expect(localLambda.config.validate!({ export: "not-valid" })[0]).toContain(
      "not a JavaScript export name",
    );
  });
});
