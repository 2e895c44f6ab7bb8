/**
 * `--rules bus:<name>`: a bus's rules read with the real EventBridge SDK client (paginated, two
 * per page) from the loopback fake, turned into routes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { routesFromBus } from "../../src/routes/bus-rules.ts";
import { loadRules } from "../../src/routes/rules-option.ts";
import { useAwsFakeEnv } from "../aws/aws-env.ts";
import { type AwsFake, type ReceivedEventBridge, startAwsFake } from "../fakes/aws-server.ts";
import { fnArn, ORDER_RULES, queueArn } from "./bus-fixture.ts";

let fake: AwsFake;
let restoreEnv: () => void;
beforeAll(() => {
  fake = startAwsFake({ busRules: ORDER_RULES, listPageSize: 2 });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv();
  await fake.stop();
});

const ruleArn = (name: string) => `arn:aws:events:us-east-1:123456789012:rule/orders/${name}`;

describe("routes from a bus", () => {
  test("enabled rules with Lambda targets become lambda routes carrying pattern, input and rule", async () => {
    fake.received.length = 0;
    const set = await routesFromBus({ bus: "orders" });
    expect(set.targets).toEqual([
      {
        uri: `lambda:${fnArn("projector")}`,
        name: "project-orders/projector",
        pattern: { source: ["shop.orders"] },
        ruleArn: ruleArn("project-orders"),
        ruleName: "project-orders",
      },
      {
        uri: `lambda:${fnArn("notifier")}`,
        name: "notify-shipped/notify",
        pattern: { "detail-type": ["OrderShipped"] },
        inputTransformer: {
          inputPathsMap: { order: "$.detail.orderId", total: "$.detail.total" },
          inputTemplate:
            '{"order": <order>, "total": <total>, "text": "order <order> shipped", "rule": <aws.events.rule-name>}',
        },
        ruleArn: ruleArn("notify-shipped"),
        ruleName: "notify-shipped",
      },
      {
        uri: `lambda:${fnArn("big-orders")}`,
        name: "big-orders/detail-only",
        pattern: { detail: { total: [{ numeric: [">=", 100] }] } },
        inputPath: "$.detail",
        ruleArn: ruleArn("big-orders"),
        ruleName: "big-orders",
      },
      {
        uri: `lambda:${fnArn("cache")}:live`,
        name: "cache-rebuild/rebuild",
        pattern: { "detail-type": ["OrderCancelled"] },
        input: '{"action":"rebuild"}',
        ruleArn: ruleArn("cache-rebuild"),
        ruleName: "cache-rebuild",
      },
    ]);
    expect(set.notReplayed).toEqual([
      {
        rule: "notify-shipped",
        targetId: "audit-queue",
        arn: queueArn,
        reason: "SQS queue targets are not replayed yet; map it to a plugin target with rules.map",
      },
    ]);
    expect(set.skippedRules).toEqual([
      { rule: "old-projector", reason: "state DISABLED: a disabled rule delivers nothing" },
      { rule: "nightly", reason: "scheduled (cron(0 3 * * ? *)): it is not driven by events" },
      { rule: "empty", reason: "no targets" },
    ]);
    // Every page was read: 8 rules on two buses, 7 on "orders" → 4 ListRules pages of 2.
    const operations = fake.received.map((r) => (r as ReceivedEventBridge).operation);
    expect(operations.filter((o) => o === "ListRules")).toHaveLength(4);
    const bodies = fake.received.map((r) => (r as ReceivedEventBridge).body as Record<string, unknown>);
    expect(bodies.every((b) => b.EventBusName === "orders")).toBe(true);
    expect(fake.received.every((r) => (r as ReceivedEventBridge).signed)).toBe(true);
  });

  test("rules.map sends a target elsewhere (by ARN, Id or rule/Id), or leaves it out", async () => {
    const set = await routesFromBus({
      bus: "orders",
      map: {
        [queueArn]: { uri: "file:audit.ndjson", name: "audit" },
        "project-orders/projector": "lambda-local:handlers/project.ts",
        rebuild: null,
      },
    });
    expect(set.targets.find((t) => t.name === "audit")).toEqual({
      uri: "file:audit.ndjson",
      name: "audit",
      pattern: { "detail-type": ["OrderShipped"] },
    });
    // A Lambda target mapped to lambda-local keeps what the rule would send.
    expect(set.targets.find((t) => t.name === "project-orders/projector")).toMatchObject({
      uri: "lambda-local:handlers/project.ts",
      ruleName: "project-orders",
    });
    expect(set.targets.map((t) => t.name)).not.toContain("cache-rebuild/rebuild");
    expect(set.notReplayed).toEqual([
      {
        rule: "cache-rebuild",
        targetId: "rebuild",
        arn: `${fnArn("cache")}:live`,
        reason: "left out by rules.map.rebuild",
      },
    ]);
  });

  test("a map key that names no target is an error, not a silent no-op", async () => {
    await expect(
      routesFromBus({ bus: "orders", map: { "notify-shiped/notify": "stdout:" } }),
    ).rejects.toThrow(
      "rules.map.notify-shiped/notify: names no target of the rules (targets: project-orders/projector, notify-shipped/notify, notify-shipped/audit-queue",
    );
  });

  test("a missing bus is one line naming it", async () => {
    await expect(routesFromBus({ bus: "nope" })).rejects.toThrow(
      "--rules bus:nope: Event bus nope does not exist.",
    );
  });

  test("a bus whose rules reach no callable target is an error naming a target to map", async () => {
    const set = await routesFromBus({ bus: "queues-only" });
    expect(set.notReplayed.map((n) => n.reason)).toEqual([
      "SQS queue targets are not replayed yet; map it to a plugin target with rules.map",
      "event bus (another bus) targets are not replayed yet; map it to a plugin target with rules.map",
    ]);
    await expect(loadRules({ bus: "queues-only" })).rejects.toThrow(
      `--rules bus:queues-only: no rule delivers to a target rehydrate can call (2 not replayed, 0 rules skipped); map one with rules.map, e.g. ${queueArn}`,
    );
    const mapped = await loadRules({ bus: "queues-only", map: { q: "stdout:" } });
    expect(mapped.targets).toEqual([{ uri: "stdout:", name: "to-queue/q", pattern: {} }]);
  });
});
