import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import lambda, { type LambdaConfig } from "../../plugins/lambda/index.ts";
import type { Target } from "../../src/sdk/index.ts";
import { type AwsFake, type ReceivedInvoke, startAwsFake } from "../fakes/aws-server.ts";
import { useAwsFakeEnv } from "./aws-env.ts";
import { makeEnvelope, makeEvent, testHost } from "./helpers.ts";

let fake: AwsFake;
let restoreEnv: () => void;

beforeAll(() => {
  fake = startAwsFake({
    functions: ["projector"],
    seed: 11,
    functionErrorFor: (payload) => {
      const detail = (payload as { detail?: { poison?: boolean } }).detail;
      return detail?.poison ? "cannot project a poisoned order" : undefined;
    },
  });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv();
  await fake.stop();
});
beforeEach(() => {
  fake.received.length = 0;
  fake.setFaults({});
});

async function target(overrides: Partial<LambdaConfig> = {}): Promise<Target> {
  const config: LambdaConfig = {
    function: "projector",
    invocationType: "RequestResponse",
    retryFunctionErrors: false,
    maxInFlight: 16,
    ...overrides,
  };
  const created = await lambda.create(config, testHost().host);
  await created.open?.();
  return created;
}

function invokes(): ReceivedInvoke[] {
  return fake.received.filter((r): r is ReceivedInvoke => r.service === "lambda");
}

describe("lambda target", () => {
  test("one invoke per event, up to 16 in flight", async () => {
    expect((await target()).policy).toEqual({ maxItems: 1, maxInFlight: 16 });
  });

  test("sends the event in EventBridge's shape, and the source's bytes as they are", async () => {
    const t = await target();
    const event = makeEvent(1, { detail: { price: 10.5 } });
    // Keys scrambled: the target puts them back in EventBridge's order.
    const scrambled = Object.fromEntries(Object.entries(event).reverse()) as typeof event;
    const text =
      '{"version":"0","id":"evt-2","detail-type":"X","source":"s","account":"1",' +
      '"time":"2024-01-01T00:00:02Z","region":"us-east-1","resources":[],"detail":{"price":1.50,"u":"\\u00e9"}}';
    const result = await t.write([makeEnvelope(scrambled, 0)]);
    const second = await t.write([makeEnvelope(JSON.parse(text), 1, { text })]);
    expect(result.failures).toEqual([]);
    expect(second.failures).toEqual([]);
    const [first, raw] = invokes();
    expect(Object.keys(JSON.parse(first!.body))).toEqual([
      "version",
      "id",
      "detail-type",
      "source",
      "account",
      "time",
      "region",
      "resources",
      "detail",
    ]);
    expect(JSON.parse(first!.body)).toEqual(event);
    expect(raw!.body).toBe(text);
    expect(first!.invocationType).toBe("RequestResponse");
    expect(first!.signed).toBe(true);
  });

  test("Event invocations and qualifiers reach the service", async () => {
    const t = await target({ invocationType: "Event", function: "projector:live" });
    expect((await t.write([makeEnvelope(makeEvent(1), 0)])).failures).toEqual([]);
    const arnTarget = await target({
      function: "arn:aws:lambda:us-east-1:123456789012:function:projector",
      qualifier: "7",
    });
    expect((await arnTarget.write([makeEnvelope(makeEvent(2), 0)])).failures).toEqual([]);
    expect(invokes().map((r) => [r.functionName, r.qualifier, r.invocationType])).toEqual([
      ["projector", "live", "Event"],
      ["projector", "7", "RequestResponse"],
    ]);
  });

  test("a function error fails the item with errorType and errorMessage; retry is opt-in", async () => {
    const poison = makeEnvelope(makeEvent(1, { detail: { poison: true } }), 0);
    const result = await (await target()).write([poison]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 0, code: "FunctionError", retryable: false });
    expect(result.failures[0]!.message).toContain("Error: cannot project a poisoned order");
    const retrying = await (await target({ retryFunctionErrors: true })).write([poison]);
    expect(retrying.failures[0]!.retryable).toBe(true);
  });

  test("throttles are retryable with Retry-After; a missing function stops the run", async () => {
    fake.setFaults({ lambdaThrottleRate: 1, retryAfterSeconds: 2 });
    const result = await (await target()).write([makeEnvelope(makeEvent(1), 0)]);
    expect(result.failures).toEqual([
      expect.objectContaining({
        index: 0,
        retryable: true,
        code: "TooManyRequestsException",
        retryAfterMs: 2000,
      }),
    ]);
    // maxAttempts 1: the SDK did not retry behind the engine's back.
    expect(invokes()).toHaveLength(1);
    fake.setFaults({});
    const missing = await target({ function: "ghost" });
    await expect(missing.write([makeEnvelope(makeEvent(1), 0)])).rejects.toThrow(
      /ghost.*ResourceNotFoundException/,
    );
  });

  test("payloads over the limit fail clearly without a call", async () => {
    const big = makeEvent(1, { detail: { blob: "z".repeat(1024 * 1024) } });
    const result = await (await target({ invocationType: "Event" })).write([makeEnvelope(big, 0)]);
    expect(result.failures[0]).toMatchObject({ retryable: false, code: "RequestTooLargeException" });
    expect(result.failures[0]!.message).toContain("1048576-byte limit for Event");
    // The same event fits a synchronous invoke (6 MB).
    expect((await (await target()).write([makeEnvelope(big, 0)])).failures).toEqual([]);
    expect(invokes()).toHaveLength(1);
  });

  test("check uses DryRun; plan invokes nothing", async () => {
    const ok = await (await target()).check();
    expect(ok).toMatchObject({ ok: true });
    expect(ok.details[0]).toContain("projector exists");
    const missing = await (await target({ function: "ghost" })).check();
    expect(missing.ok).toBe(false);
    expect(missing.details[0]).toContain("ResourceNotFoundException");
    expect(invokes().map((r) => r.invocationType)).toEqual(["DryRun", "DryRun"]);
    const plan = await (await target()).plan([makeEnvelope(makeEvent(1), 0)]);
    expect(plan).toMatchObject([{ index: 0, action: "invoke", destination: "function projector" }]);
    expect(invokes()).toHaveLength(2);
  });

  test("fromUri splits names, partial ARNs, ARNs and qualifiers", () => {
    const fromUri = lambda.config.fromUri!;
    expect(fromUri("fn")).toEqual({ function: "fn" });
    expect(fromUri("fn:live")).toEqual({ function: "fn", qualifier: "live" });
    expect(fromUri("123456789012:function:fn:$LATEST")).toEqual({
      function: "123456789012:function:fn",
      qualifier: "$LATEST",
    });
    expect(fromUri("arn:aws:lambda:eu-west-1:123456789012:function:fn:3")).toEqual({
      function: "arn:aws:lambda:eu-west-1:123456789012:function:fn",
      qualifier: "3",
    });
    expect(() => fromUri("arn:aws:sqs:eu-west-1:123456789012:q")).toThrow(/not a Lambda function ARN/);
    expect(() => fromUri("bad name")).toThrow(/not a valid function name/);
    expect(lambda.config.validate!({ function: "fn:a", qualifier: "b" })[0]).toContain("contradicts");
  });
});
