/**
 * The `input`, `inputPath` and `inputTransformer` options of the `lambda` and `lambda-local`
 * targets: validated with errors naming the field, applied to what the function receives (the
 * real Lambda SDK client against the loopback fake; a real handler module for lambda-local).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { useAwsFakeEnv } from "../../test/aws/aws-env.ts";
import { makeEnvelope, makeEvent, testHost } from "../../test/aws/helpers.ts";
import { type AwsFake, type ReceivedInvoke, startAwsFake } from "../../test/fakes/aws-server.ts";
import localLambda from "../lambda-local/index.ts";
import lambda from "./index.ts";

let fake: AwsFake;
let restoreEnv: () => void;
beforeAll(() => {
  fake = startAwsFake({ functions: ["notify"] });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv();
  await fake.stop();
});
beforeEach(() => {
  fake.received.length = 0;
});

const config = (raw: Record<string, unknown>) =>
  validatePluginConfig("lambda", lambda.config, { function: "notify", ...raw }, "pipeline.yaml: targets[0]");

async function lambdaTarget(raw: Record<string, unknown>) {
  const target = await lambda.create(config(raw) as never, testHost().host);
  await target.open?.();
  return target;
}
const bodies = () =>
  fake.received.filter((r): r is ReceivedInvoke => r.service === "lambda").map((r) => r.body);

const order = (n: number, extra: Record<string, unknown> = {}): Envelope =>
  makeEnvelope(makeEvent(n, { detail: { orderId: `o-${n}`, total: n * 10, ...extra } }), n);

describe("lambda input options: validation", () => {
  test("valid options pass, with the nested fields declared", () => {
    expect(
      config({
        inputTransformer: { inputPathsMap: { o: "$.detail.orderId" }, inputTemplate: '{"o": <o>}' },
        ruleName: "r",
      }),
    ).toMatchObject({ inputTransformer: { inputTemplate: '{"o": <o>}' } });
    const spec = lambda.config.fields.inputTransformer!;
    expect(spec.type).toBe("object");
    expect(Object.keys(spec.fields!)).toEqual(["inputPathsMap", "inputTemplate"]);
    expect(spec.fields!.inputTemplate!.required).toBe(true);
    expect(localLambda.config.fields.inputTransformer).toEqual(spec);
  });

  test("errors name the file, the target and the field", () => {
    expect(() => config({ inputPath: "detail" })).toThrow(
      "pipeline.yaml: targets[0]: inputPath: detail must start with $ (like $.detail.orderId)",
    );
    expect(() => config({ input: "{}", inputPath: "$.detail" })).toThrow(
      "input and inputPath: give only one of input, inputPath or inputTransformer",
    );
    expect(() =>
      config({ inputTransformer: { inputPathsMap: {}, inputTemplate: '"<aws.events.rule-name>"' } }),
    ).toThrow("ruleName: required because inputTransformer.inputTemplate uses <aws.events.rule-name>");
    expect(() =>
      validatePluginConfig(
        "lambda-local",
        localLambda.config,
        { handler: "h.ts", inputTransformer: { inputTemplate: '"<who>"' } },
        "t",
      ),
    ).toThrow("inputTransformer.inputTemplate: contains the placeholder <who>");
  });
});

describe("lambda target: what the function receives", () => {
  test("inputTransformer: the rendered template, per event, in order", async () => {
    const target = await lambdaTarget({
      inputTransformer: {
        inputPathsMap: { order: "$.detail.orderId", total: "$.detail.total" },
        inputTemplate:
          '{"order": <order>, "total": <total>, "text": "order <order> by <aws.events.rule-name>"}',
      },
      ruleName: "notify-orders",
    });
    expect((await target.write([order(1), order(2)])).failures).toEqual([]);
    expect(bodies()).toEqual([
      '{"order":"o-1","total":10,"text":"order o-1 by notify-orders"}',
      '{"order":"o-2","total":20,"text":"order o-2 by notify-orders"}',
    ]);
  });

  test("inputPath and constant input", async () => {
    await (await lambdaTarget({ inputPath: "$.detail.orderId" })).write([order(3)]);
    await (await lambdaTarget({ input: { rebuild: true } })).write([order(4)]);
    expect(bodies()).toEqual(['"o-3"', '{"rebuild":true}']);
  });

  test("output that is not JSON fails the event, not retried, and nothing is invoked", async () => {
    const target = await lambdaTarget({
      inputTransformer: { inputPathsMap: { note: "$.detail.note" }, inputTemplate: '{"note": "<note>"}' },
    });
    const result = await target.write([order(5, { note: 'a "quoted" note' })]);
    expect(result.failures).toEqual([
      expect.objectContaining({ index: 0, retryable: false, code: "InvalidRequestContentException" }),
    ]);
    expect(result.failures[0]!.message).toContain('event "evt-5" at events.ndjson:6');
    expect(bodies()).toEqual([]);
  });

  test("a missing inputPath fails the event with InputPathNotFound", async () => {
    const result = await (await lambdaTarget({ inputPath: "$.detail.absent" })).write([order(6)]);
    expect(result.failures).toEqual([
      expect.objectContaining({ retryable: false, code: "InputPathNotFound" }),
    ]);
  });

  test("the dry run's plan previews the transformed payload", async () => {
    const target = await lambdaTarget({ inputPath: "$.detail" });
    const [action] = await target.plan([order(7)]);
    expect(action!.preview).toEqual({ orderId: "o-7", total: 70 });
    const plain = await lambdaTarget({});
    expect((await plain.plan([order(7)]))[0]!.preview).toEqual(order(7).event);
  });
});

describe("lambda-local target: what the handler receives", () => {
  const calls = () =>
    (globalThis as Record<string, unknown>).__routesHandlerCalls as Array<{
      functionName: string;
      payload: unknown;
    }>;

  test("a string template reaches the handler as a JSON string", async () => {
    const raw = validatePluginConfig(
      "lambda-local",
      localLambda.config,
      {
        handler: "recording-handler.ts",
        functionName: "local-notify",
        inputTransformer: {
          inputPathsMap: { order: "$.detail.orderId" },
          inputTemplate: '"order <order> at <aws.events.event.ingestion-time>"',
        },
      },
      "t",
    );
    const host = testHost({ baseDir: join(import.meta.dir, "../../test/routes/fixtures") }).host;
    const target = await localLambda.create(raw as never, host);
    await target.open?.();
    const event: EventBridgeEvent = makeEvent(8, { detail: { orderId: "o-8" } });
    const before = calls()?.length ?? 0;
    expect((await target.write([makeEnvelope(event, 0)])).failures).toEqual([]);
    expect(calls().slice(before)).toEqual([
      { functionName: "local-notify", payload: `order o-8 at ${event.time}` },
    ]);
  });
});
