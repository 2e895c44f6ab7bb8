import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { entrySize } from "../../plugins/eventbridge/entries.ts";
import eventbridge, { type EventBridgeConfig } from "../../plugins/eventbridge/index.ts";
import type { Target } from "../../src/sdk/index.ts";
import { type AwsFake, type ReceivedEventBridge, startAwsFake } from "../fakes/aws-server.ts";
import { useAwsFakeEnv } from "./aws-env.ts";
import { makeEnvelope, makeEvent, testHost } from "./helpers.ts";

let fake: AwsFake;
let restoreEnv: () => void;

beforeAll(() => {
  fake = startAwsFake({ buses: ["default", "orders"], seed: 7 });
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

function config(overrides: Partial<EventBridgeConfig> = {}): EventBridgeConfig {
  return { bus: "orders", markReplayIn: "detail", maxRequestBytes: 256 * 1024, maxInFlight: 4, ...overrides };
}

async function target(overrides: Partial<EventBridgeConfig> = {}): Promise<Target> {
  const created = await eventbridge.create(config(overrides), testHost().host);
  await created.open?.();
  return created;
}

function putRequests(): ReceivedEventBridge[] {
  return fake.received.filter(
    (r): r is ReceivedEventBridge => r.service === "eventbridge" && r.operation === "PutEvents",
  );
}

describe("eventbridge target", () => {
  test("declares the PutEvents batch policy", async () => {
    const t = await target({ maxRequestBytes: 100_000 });
    expect(t.policy).toEqual({ maxItems: 10, maxBytes: 100_000, maxInFlight: 4 });
  });

  test("maps the envelope to an entry: Time, Source, DetailType, Resources, Detail", async () => {
    const t = await target();
    const event = makeEvent(3, { resources: ["arn:aws:s3:::bucket"], detail: { a: [1, "é"], b: null } });
    const result = await t.write([makeEnvelope(event, 0)]);
    expect(result.failures).toEqual([]);
    const [request] = putRequests();
    expect(request!.entries).toEqual([
      {
        Time: Date.parse(event.time) / 1000,
        Source: "shop.orders",
        DetailType: "OrderPlaced",
        Resources: ["arn:aws:s3:::bucket"],
        Detail: '{"a":[1,"é"],"b":null}',
        EventBusName: "orders",
        outcome: "ok",
      },
    ]);
    await t.close?.();
  });

  test("marks replays in detail or resources and prefixes source", async () => {
    const inDetail = await target({ markReplay: "r1", sourcePrefix: "replay." });
    await inDetail.write([makeEnvelope(makeEvent(1), 0)]);
    const inResources = await target({ markReplay: "r2", markReplayIn: "resources" });
    await inResources.write([makeEnvelope(makeEvent(2), 0)]);
    const [first, second] = putRequests().map((r) => r.entries![0]!);
    expect(first!.Source).toBe("replay.shop.orders");
    expect(JSON.parse(first!.Detail!)).toEqual({ n: 1, orderId: "o-1", "rehydrate-replay": "r1" });
    expect(second!.Source).toBe("shop.orders");
    expect(second!.Resources).toEqual(["rehydrate:replay/r2"]);
    expect(JSON.parse(second!.Detail!)).toEqual({ n: 2, orderId: "o-2" });
  });

  test("splits a batch into requests of at most 10 entries and maxRequestBytes, in order", async () => {
    const t = await target({ maxRequestBytes: 2048 });
    const big = "x".repeat(900);
    const batch = Array.from({ length: 14 }, (_, i) =>
      makeEnvelope(makeEvent(i, { detail: i < 4 ? { big } : { i } }), i),
    );
    const result = await t.write(batch);
    expect(result.failures).toEqual([]);
    const requests = putRequests().map((r) => r.entries!.map(({ outcome: _, ...entry }) => entry));
    // Four ~950-byte entries fit two to a 2 KB request; the small ones fill up the rest greedily.
    expect(requests.map((entries) => entries.length)).toEqual([2, 5, 7]);
    for (const entries of requests) {
      const bytes = entries.reduce((sum, e) => sum + entrySize({ ...e, Time: new Date(e.Time! * 1000) }), 0);
      expect(bytes).toBeLessThanOrEqual(2048);
    }
    const sent = putRequests().flatMap((r) => r.entries!.map((e) => JSON.parse(e.Detail!)));
    expect(sent.map((d, i) => d.i ?? i)).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  test("an event too big alone fails with EntryTooLarge and is never sent", async () => {
    const t = await target({ maxRequestBytes: 1024 });
    const batch = [
      makeEnvelope(makeEvent(0), 0),
      makeEnvelope(makeEvent(1, { detail: { big: "y".repeat(2000) } }), 1),
      makeEnvelope(makeEvent(2), 2),
    ];
    const result = await t.write(batch);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 1, retryable: false, code: "EntryTooLarge" });
    expect(result.failures[0]!.message).toContain("events.ndjson:2");
    expect(
      putRequests()
        .flatMap((r) => r.entries!)
        .map((e) => JSON.parse(e.Detail!).n),
    ).toEqual([0, 2]);
  });

  test("partial failures: throttles and internal failures are retryable, others are not", async () => {
    fake.setFaults({
      putEventsFailureRate: 0.5,
      putEventsFailureCodes: [
        "ThrottlingException",
        "InternalFailure",
        "AccessDeniedException",
        "MalformedDetail",
      ],
    });
    const t = await target();
    const batch = Array.from({ length: 10 }, (_, i) => makeEnvelope(makeEvent(i), i));
    const result = await t.write(batch);
    const entries = putRequests()[0]!.entries!;
    const expected = entries.flatMap((entry, index) =>
      entry.outcome === "ok"
        ? []
        : [
            {
              index,
              code: entry.outcome,
              retryable: entry.outcome === "ThrottlingException" || entry.outcome === "InternalFailure",
            },
          ],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(result.failures.map(({ index, code, retryable }) => ({ index, code, retryable }))).toEqual(
      expected,
    );
    for (const failure of result.failures) expect(failure.message).toContain(failure.code);
  });

  test("a throttled request makes every entry retryable; a missing bus stops the run", async () => {
    fake.setFaults({ putEventsThrottleRate: 1 });
    const t = await target();
    const result = await t.write([makeEnvelope(makeEvent(0), 0), makeEnvelope(makeEvent(1), 1)]);
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "ThrottlingException", true],
      [1, "ThrottlingException", true],
    ]);
    fake.setFaults({});
    const missing = await target({ bus: "nope" });
    await expect(missing.write([makeEnvelope(makeEvent(0), 0)])).rejects.toThrow(
      /bus nope.*ResourceNotFoundException/,
    );
  });

  test("aws.* sources fail clearly unless prefixed; non-object detail fails", async () => {
    const t = await target();
    const result = await t.write([
      makeEnvelope(makeEvent(0, { source: "aws.s3" }), 0),
      makeEnvelope(makeEvent(1, { detail: [1, 2] }), 1),
      makeEnvelope(makeEvent(2, { time: "not a time" }), 2),
    ]);
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "NotAuthorizedForSourceException", false],
      [1, "MalformedDetail", false],
      [2, "InvalidArgument", false],
    ]);
    expect(result.failures[0]!.message).toContain("sourcePrefix");
    expect(putRequests()).toHaveLength(0);
  });

  test("check describes the bus; plan sends nothing", async () => {
    const ok = await (await target()).check();
    expect(ok.ok).toBe(true);
    expect(ok.details.join("\n")).toContain("event bus orders exists");
    expect(ok.details.join("\n")).toContain("does not preserve order");
    const missing = await (await target({ bus: "ghost" })).check();
    expect(missing.ok).toBe(false);
    expect(missing.details[0]).toContain("ghost");
    const plan = await (await target({ markReplay: "r" })).plan([makeEnvelope(makeEvent(5), 0)]);
    expect(plan).toMatchObject([{ index: 0, action: "put", destination: "bus orders" }]);
    expect(putRequests()).toHaveLength(0);
  });

  test("check passes with a warning when the role may not describe the bus", async () => {
    const denied = startAwsFake({ buses: ["orders"], deniedOperations: ["DescribeEventBus"] });
    const created = await eventbridge.create(config(), testHost().host);
    const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = denied.url;
    try {
      const result = await created.check();
      expect(result.ok).toBe(true);
      expect(result.details[0]).toContain("could not verify event bus orders: AccessDeniedException");
      expect((await created.write([makeEnvelope(makeEvent(1), 0)])).failures).toEqual([]);
    } finally {
      process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
      await created.close?.();
      await denied.stop();
    }
  });

  test("fromUri and validate accept names and bus ARNs, reject others", () => {
    const spec = eventbridge.config;
    expect(spec.fromUri!("arn:aws:events:eu-west-1:123456789012:event-bus/orders")).toEqual({
      bus: "arn:aws:events:eu-west-1:123456789012:event-bus/orders",
    });
    expect(spec.validate!({ bus: "orders" })).toEqual([]);
    expect(spec.validate!({ bus: "arn:aws:events:eu-west-1:123456789012:event-bus/orders" })).toEqual([]);
    expect(spec.validate!({ bus: "arn:aws:sqs:eu-west-1:123456789012:q" })[0]).toContain(
      "not an event bus ARN",
    );
    expect(spec.validate!({ bus: "has space" })[0]).toContain("not a valid event bus name");
    expect(() => spec.fromUri!("")).toThrow(/eventbridge:<bus/);
  });
});
