import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { useAwsFakeEnv } from "../aws/aws-env.ts";
import {
  type AwsFake,
  type ReceivedCloudFormation,
  type ReceivedEventBridge,
  type ReceivedInvoke,
  startAwsFake,
} from "./aws-server.ts";

let fake: AwsFake;
let restoreEnv: () => void;
let lambda: LambdaClient;
let events: EventBridgeClient;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeAll(() => {
  fake = startAwsFake({ seed: 3, functions: ["fn"], buses: ["default", "b"], rules: ["b/r1"] });
  restoreEnv = useAwsFakeEnv(fake.url);
  // Real SDK clients, reaching the fake only through AWS_ENDPOINT_URL_<SERVICE>.
  lambda = new LambdaClient({ maxAttempts: 1 });
  events = new EventBridgeClient({ maxAttempts: 1 });
});
afterAll(async () => {
  lambda.destroy();
  events.destroy();
  restoreEnv();
  await fake.stop();
});
beforeEach(() => {
  fake.received.length = 0;
  fake.setFaults({});
});

describe("AWS fake: Lambda Invoke (restJson1)", () => {
  test("listens on loopback and records invokes in order, ARNs and qualifiers decoded", async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await lambda.send(new InvokeCommand({ FunctionName: "fn", Payload: encode({ a: 1 }) }));
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    const event = await lambda.send(
      new InvokeCommand({
        FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:fn",
        Qualifier: "live",
        InvocationType: "Event",
        Payload: encode({ b: 2 }),
      }),
    );
    expect(event.StatusCode).toBe(202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: "fn:3", InvocationType: "DryRun" }));
    expect(dry.StatusCode).toBe(204);
    const seen = fake.received as ReceivedInvoke[];
    expect(
      seen.map((r) => [r.functionName, r.qualifier, r.invocationType, r.body, r.outcome, r.signed]),
    ).toEqual([
      ["fn", undefined, "RequestResponse", '{"a":1}', "ok", true],
      ["fn", "live", "Event", '{"b":2}', "ok", true],
      ["fn", "3", "DryRun", "", "dry-run", true],
    ]);
  });

  test("function errors are HTTP 200 with FunctionError; the SDK does not throw", async () => {
    fake.setFaults({ functionErrorRate: 1 });
    const answer = await lambda.send(new InvokeCommand({ FunctionName: "fn", Payload: encode({}) }));
    expect(answer.FunctionError).toBe("Unhandled");
    expect(JSON.parse(new TextDecoder().decode(answer.Payload))).toMatchObject({
      errorType: "Error",
      errorMessage: "injected function error",
    });
  });

  test("throttles are 429 TooManyRequestsException with Retry-After; unknown functions 404", async () => {
    fake.setFaults({ lambdaThrottleRate: 1, retryAfterSeconds: 3 });
    const throttled = await lambda.send(new InvokeCommand({ FunctionName: "fn" })).catch((error) => error);
    expect(throttled).toMatchObject({
      name: "TooManyRequestsException",
      retryAfterSeconds: "3",
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
      $metadata: { httpStatusCode: 429 },
    });
    fake.setFaults({});
    const missing = await lambda.send(new InvokeCommand({ FunctionName: "other" })).catch((error) => error);
    expect(missing).toMatchObject({ name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } });
  });

  test("payload limits: 1 MB for Event", async () => {
    const big = new Uint8Array(1024 * 1024 + 10).fill(0x20);
    const error = await lambda
      .send(new InvokeCommand({ FunctionName: "fn", InvocationType: "Event", Payload: big }))
      .catch((e) => e);
    expect(error).toMatchObject({ name: "RequestTooLargeException", $metadata: { httpStatusCode: 413 } });
  });

  test("latency with jitter delays answers", async () => {
    fake.setFaults({ latencyMs: 40, jitterMs: 20 });
    const started = performance.now();
    await lambda.send(new InvokeCommand({ FunctionName: "fn", Payload: encode({}) }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(39);
    const [record] = fake.received as ReceivedInvoke[];
    expect(record!.endedAt - record!.startedAt).toBeGreaterThanOrEqual(39);
    expect(record!.endedAt - record!.startedAt).toBeLessThan(2000); // generous: CI machines stall
  });
});

describe("AWS fake: EventBridge (awsJson1_1)", () => {
  const entry = (i: number) => ({
    Source: "s",
    DetailType: "d",
    Detail: JSON.stringify({ i }),
    EventBusName: "b",
  });

  test("PutEvents answers index-aligned; partial failures are HTTP 200 with FailedEntryCount", async () => {
    fake.setFaults({
      putEventsFailureRate: 0.5,
      putEventsFailureCodes: ["ThrottlingException", "InternalFailure"],
    });
    const answer = await events.send(
      new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => entry(i)) }),
    );
    const recorded = (fake.received[0] as ReceivedEventBridge).entries!;
    expect(answer.FailedEntryCount).toBe(recorded.filter((e) => e.outcome !== "ok").length);
    expect(answer.FailedEntryCount).toBeGreaterThan(0);
    answer.Entries!.forEach((result, i) => {
      expect(result.ErrorCode ?? "ok").toBe(recorded[i]!.outcome);
      expect(JSON.parse(recorded[i]!.Detail!).i).toBe(i);
    });
  });

  test("rejects more than 10 entries, malformed detail, missing buses; throttles whole requests", async () => {
    const tooMany = await events
      .send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => entry(i)) }))
      .catch((e) => e);
    expect(tooMany).toMatchObject({ name: "ValidationException" });
    const malformed = await events.send(
      new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "d", Detail: "[1]", EventBusName: "b" }] }),
    );
    expect(malformed.Entries![0]!.ErrorCode).toBe("MalformedDetail");
    const noBus = await events
      .send(new PutEventsCommand({ Entries: [{ ...entry(1), EventBusName: "nope" }] }))
      .catch((e) => e);
    expect(noBus).toMatchObject({ name: "ResourceNotFoundException" });
    fake.setFaults({ putEventsThrottleRate: 1 });
    const throttled = await events.send(new PutEventsCommand({ Entries: [entry(1)] })).catch((e) => e);
    expect(throttled).toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
  });

  test("DescribeEventBus and DescribeRule", async () => {
    const bus = await events.send(
      new DescribeEventBusCommand({ Name: "arn:aws:events:us-east-1:123456789012:event-bus/b" }),
    );
    expect(bus).toMatchObject({ Name: "b", Arn: "arn:aws:events:us-east-1:123456789012:event-bus/b" });
    const rule = await events.send(new DescribeRuleCommand({ Name: "r1", EventBusName: "b" }));
    expect(rule).toMatchObject({ Name: "r1", EventBusName: "b", State: "ENABLED" });
    const noRule = await events
      .send(new DescribeRuleCommand({ Name: "r2", EventBusName: "b" }))
      .catch((e) => e);
    expect(noRule).toMatchObject({ name: "ResourceNotFoundException" });
    expect(fake.received.map((r) => (r as ReceivedEventBridge).operation)).toEqual([
      "DescribeEventBus",
      "DescribeRule",
      "DescribeRule",
    ]);
  });

  test("the seeded RNG replays the same faults, and rates are honoured", async () => {
    const outcomes = async () => {
      const other = startAwsFake({ seed: 99, buses: ["b"], faults: { putEventsFailureRate: 0.3 } });
      const client = new EventBridgeClient({ maxAttempts: 1, endpoint: other.url });
      for (let r = 0; r < 50; r++) {
        await client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => entry(i)) }));
      }
      client.destroy();
      await other.stop();
      return other.received.flatMap((r) => (r as ReceivedEventBridge).entries!.map((e) => e.outcome));
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    const rate = first.filter((o) => o !== "ok").length / first.length;
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
  });
});

describe("AWS fake: ListRules, ListTargetsByRule (awsJson1_1) and DescribeStackResources (awsQuery)", () => {
  test("rules and targets are listed in pages with NextToken, as the real SDK pages them", async () => {
    const { ListRulesCommand, ListTargetsByRuleCommand } = await import("@aws-sdk/client-eventbridge");
    const other = startAwsFake({
      listPageSize: 2,
      busRules: [
        { bus: "orders", name: "a", eventPattern: '{"source":["s"]}' },
        { bus: "orders", name: "b", state: "DISABLED", eventPattern: "{}" },
        { bus: "orders", name: "c", scheduleExpression: "rate(5 minutes)" },
        {
          bus: "orders",
          name: "d",
          eventPattern: "{}",
          targets: [1, 2, 3].map((i) => ({ Id: `t${i}`, Arn: `arn:aws:lambda:us-east-1:1:function:f${i}` })),
        },
        { name: "on-default", eventPattern: "{}" },
      ],
    });
    const client = new EventBridgeClient({ maxAttempts: 1, endpoint: other.url });
    try {
      const first = await client.send(new ListRulesCommand({ EventBusName: "orders" }));
      expect(first.Rules!.map((r) => r.Name)).toEqual(["a", "b"]);
      expect(first.NextToken).toBeString();
      // The SDK has no paginator for these two: follow NextToken by hand, as bus-rules does.
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListRulesCommand({ EventBusName: "orders", NextToken: token }));
        names.push(...page.Rules!.map((r) => r.Name!));
        token = page.NextToken;
      } while (token);
      expect(names).toEqual(["a", "b", "c", "d"]);
      const rules = (await client.send(new ListRulesCommand({ EventBusName: "orders", Limit: 10 }))).Rules!;
      expect(rules[1]).toMatchObject({ Name: "b", State: "DISABLED" });
      expect(rules[2]).toMatchObject({ Name: "c", ScheduleExpression: "rate(5 minutes)" });
      expect(rules[0]).toMatchObject({
        Arn: "arn:aws:events:us-east-1:123456789012:rule/orders/a",
        EventPattern: '{"source":["s"]}',
        EventBusName: "orders",
      });
      const onDefault = await client.send(new ListRulesCommand({}));
      expect(onDefault.Rules).toEqual([
        expect.objectContaining({ Arn: "arn:aws:events:us-east-1:123456789012:rule/on-default" }),
      ]);
      const ids: string[] = [];
      do {
        const page = await client.send(
          new ListTargetsByRuleCommand({ Rule: "d", EventBusName: "orders", NextToken: token }),
        );
        ids.push(...page.Targets!.map((t) => t.Id!));
        token = page.NextToken;
      } while (token);
      expect(ids).toEqual(["t1", "t2", "t3"]);
      const bad = await client
        .send(new ListRulesCommand({ EventBusName: "orders", NextToken: "garbage" }))
        .catch((e) => e);
      expect(bad).toMatchObject({ name: "ValidationException" });
      const missing = await client
        .send(new ListTargetsByRuleCommand({ Rule: "zz", EventBusName: "orders" }))
        .catch((e) => e);
      expect(missing).toMatchObject({ name: "ResourceNotFoundException" });
      const noBus = await client.send(new ListRulesCommand({ EventBusName: "nope" })).catch((e) => e);
      expect(noBus).toMatchObject({ name: "ResourceNotFoundException" });
      const described = await client.send(new DescribeRuleCommand({ Name: "a", EventBusName: "orders" }));
      expect(described.EventPattern).toBe('{"source":["s"]}');
    } finally {
      client.destroy();
      await other.stop();
    }
  });

  test("DescribeStackResources answers in XML; unknown stacks are ValidationError", async () => {
    const { CloudFormationClient, DescribeStackResourcesCommand } = await import(
      "@aws-sdk/client-cloudformation"
    );
    const other = startAwsFake({
      stacks: {
        shop: [
          {
            logicalId: "ProjectorFunction",
            physicalId: "shop-Projector-AbC123",
            type: "AWS::Lambda::Function",
          },
          { logicalId: "Queue", physicalId: "https://sqs/q & <x>", type: "AWS::SQS::Queue" },
        ],
      },
    });
    const client = new CloudFormationClient({
      maxAttempts: 1,
      endpoint: other.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    });
    try {
      const answer = await client.send(new DescribeStackResourcesCommand({ StackName: "shop" }));
      expect(
        answer.StackResources!.map((r) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceType]),
      ).toEqual([
        ["ProjectorFunction", "shop-Projector-AbC123", "AWS::Lambda::Function"],
        ["Queue", "https://sqs/q & <x>", "AWS::SQS::Queue"],
      ]);
      const received = other.received[0] as ReceivedCloudFormation;
      expect(received).toMatchObject({
        service: "cloudformation",
        operation: "DescribeStackResources",
        params: { Action: "DescribeStackResources", Version: "2010-05-15", StackName: "shop" },
        signed: true,
      });
      const missing = await client
        .send(new DescribeStackResourcesCommand({ StackName: "nope" }))
        .catch((e) => e);
      expect(missing).toMatchObject({
        name: "ValidationError",
        message: "Stack with id nope does not exist",
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      client.destroy();
      await other.stop();
    }
  });
});
