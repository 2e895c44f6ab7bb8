/**
 * End-to-end: `rehydrate run --rules bus:orders` replays a bus of several rules straight to their
 * Lambda targets (the real SDK clients against the loopback fake, which records every payload).
 * The bus (test/routes/bus-fixture.ts) has Input, InputPath and InputTransformer targets, a
 * disabled rule, a scheduled rule and an SQS target.
 *
 * ENGINE-DEPENDENT: the per-target `pattern` (routes) is the engine's; the assertions on who
 * received what hold only with it. Reading the rules, the routing summary and the transformation
 * are this component's and are also tested without the engine (bus-rules, input-transformer).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventBridgeEvent } from "../../src/sdk/index.ts";
import { useAwsFakeEnv } from "../aws/aws-env.ts";
import { type AwsFake, type ReceivedInvoke, startAwsFake } from "../fakes/aws-server.ts";
import { runCli } from "../support/cli.ts";
import { ORDER_RULES } from "./bus-fixture.ts";

const TYPES = ["OrderPlaced", "OrderShipped", "OrderCancelled"] as const;
const EVENTS = 90;
const KEYS = 7;

/** Event n: type cycles, key n % KEYS, total grows so about a third are "big" (≥ 100). */
function orderEvent(n: number): EventBridgeEvent {
  return {
    version: "0",
    id: `evt-${n}`,
    "detail-type": TYPES[n % 3]!,
    source: n % 10 === 9 ? "shop.legacy" : "shop.orders",
    account: "123456789012",
    time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString().replace(".000Z", "Z"),
    region: "us-east-1",
    resources: [],
    detail: { orderId: `o-${n % KEYS}`, n, total: (n * 37) % 150 },
  };
}

let fake: AwsFake;
let restoreEnv: () => void;
let dir: string;
let events: EventBridgeEvent[];
let lines: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-routes-e2e-"));
  events = Array.from({ length: EVENTS }, (_, n) => orderEvent(n));
  // Spaces in the text: the projector (no input option) must get the source's bytes unchanged.
  lines = events.map((e) => JSON.stringify(e).replace('"detail":', '"detail": '));
  writeFileSync(join(dir, "events.ndjson"), lines.join("\n") + "\n");
  fake = startAwsFake({
    busRules: ORDER_RULES,
    listPageSize: 3,
    functions: [
      "projector",
      "notifier",
      "big-orders",
      "cache",
      "old-projector",
      "shop-notifier",
      "partner-hook",
    ],
  });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.received.length = 0;
});

const invokes = (fn: string) =>
  fake.received.filter((r): r is ReceivedInvoke => r.service === "lambda" && r.functionName === fn);
const real = (r: ReceivedInvoke) => r.invocationType !== "DryRun";

describe("rehydrate run --rules bus:<name>", () => {
  test("every function receives exactly its rule's events, transformed, in order per key", async () => {
    const reportFile = join(dir, "report.json");
    const result = await runCli([
      "run",
      "--from",
      join(dir, "events.ndjson"),
      "--rules",
      "bus:orders",
      "--order-key",
      "detail.orderId",
      "--report",
      reportFile,
    ]);
    // This component's part: the routing summary lists routes, the SQS target and the skipped rules.
    expect(result.stderr).toContain("routes from bus:orders: 4 targets");
    expect(result.stderr).toContain(
      "not replayed: rule notify-shipped target audit-queue (arn:aws:sqs:us-east-1:123456789012:order-audit)",
    );
    expect(result.stderr).toContain("skipped rule old-projector: state DISABLED");
    expect(result.stderr).toContain("skipped rule nightly: scheduled");
    expect(result.code).toBe(0);

    // ENGINE-DEPENDENT from here: per-target patterns decide who gets what.
    const placed = events.filter((e) => e.source === "shop.orders");
    const shipped = events.filter((e) => e["detail-type"] === "OrderShipped");
    const big = events.filter((e) => (e.detail as { total: number }).total >= 100);
    const cancelled = events.filter((e) => e["detail-type"] === "OrderCancelled");

    // project-orders: no input option → the event as EventBridge delivers it, the source's bytes.
    const projector = invokes("projector").filter(real);
    expect(projector.map((r) => r.body).sort()).toEqual(placed.map((e) => lines[events.indexOf(e)]!).sort());

    // notify-shipped: the InputTransformer's output, AWS's quoting, the rule's name.
    const notifier = invokes("notifier").filter(real);
    expect(notifier.map((r) => JSON.parse(r.body)).sort(byOrderText)).toEqual(
      shipped
        .map((e) => {
          const d = e.detail as { orderId: string; total: number };
          return {
            order: d.orderId,
            total: d.total,
            text: `order ${d.orderId} shipped`,
            rule: "notify-shipped",
          };
        })
        .sort(byOrderText),
    );
    expect(notifier.map((r) => r.body)).toContainEqual(
      `{"order":"${(shipped[0]!.detail as { orderId: string }).orderId}","total":${(shipped[0]!.detail as { total: number }).total},"text":"order ${(shipped[0]!.detail as { orderId: string }).orderId} shipped","rule":"notify-shipped"}`,
    );

    // big-orders: InputPath $.detail.
    const bigOrders = invokes("big-orders").filter(real);
    expect(bigOrders.map((r) => JSON.parse(r.body).n).sort(numeric)).toEqual(
      big.map((e) => (e.detail as { n: number }).n).sort(numeric),
    );
    expect(JSON.parse(bigOrders[0]!.body)).toEqual(
      big.find((e) => (e.detail as { n: number }).n === JSON.parse(bigOrders[0]!.body).n)!.detail,
    );

    // cache-rebuild: the constant Input, to the alias in the target's ARN.
    const cache = invokes("cache").filter(real);
    expect(cache).toHaveLength(cancelled.length);
    expect(new Set(cache.map((r) => `${r.qualifier} ${r.body}`))).toEqual(
      new Set(['live {"action":"rebuild"}']),
    );

    // The disabled rule's function was never invoked; nothing else was called.
    expect(invokes("old-projector")).toEqual([]);
    const called = new Set(
      fake.received.filter((r) => r.service === "lambda").map((r) => (r as ReceivedInvoke).functionName),
    );
    expect([...called].sort()).toEqual(["big-orders", "cache", "notifier", "projector"]);

    // Order per key, per function: a key's events arrive in read order.
    for (const [fn, nOf] of [
      ["projector", (b: string) => JSON.parse(b).detail.n],
      ["big-orders", (b: string) => JSON.parse(b).n],
    ] as const) {
      const perKey = new Map<string, number[]>();
      for (const r of invokes(fn).filter(real)) {
        const n = nOf(r.body) as number;
        const key = `o-${n % KEYS}`;
        perKey.set(key, [...(perKey.get(key) ?? []), n]);
      }
      for (const [key, ns] of perKey) expect({ fn, key, ns }).toEqual({ fn, key, ns: [...ns].sort(numeric) });
    }

    // The report: every route's events sent, events matching no route counted unrouted.
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as {
      targets: Array<{ name: string; sent: number }>;
      filter: { matched: number; unmatched: number; unrouted?: number };
      routes?: { from: string; notReplayed: Array<{ rule: string; arn: string }>; skippedRules: unknown[] };
    };
    // What the rules left out is in the report too, not only on stderr.
    expect(report.routes?.from).toBe("bus:orders");
    expect(report.routes?.notReplayed).toContainEqual(
      expect.objectContaining({
        rule: "notify-shipped",
        arn: "arn:aws:sqs:us-east-1:123456789012:order-audit",
      }),
    );
    expect(report.routes?.skippedRules.length).toBeGreaterThan(0);
    const sent = Object.fromEntries(report.targets.map((t) => [t.name, t.sent]));
    expect(sent).toEqual({
      "project-orders/projector": placed.length,
      "notify-shipped/notify": shipped.length,
      "big-orders/detail-only": big.length,
      "cache-rebuild/rebuild": cancelled.length,
    });
    const routed = events.filter(
      (e) => placed.includes(e) || shipped.includes(e) || big.includes(e) || cancelled.includes(e),
    );
    expect(EVENTS - routed.length).toBe(3);
    // With no top-level pattern the run's filter is the OR of the routes: events no route selects
    // are unmatched (with a top-level pattern they would be counted unrouted).
    expect(report.filter.matched).toBe(routed.length);
    expect(report.filter.unmatched + (report.filter.unrouted ?? 0)).toBe(EVENTS - routed.length);
  });

  test("a dry run reads the rules and invokes nothing but DryRun checks", async () => {
    const result = await runCli([
      "run",
      "--from",
      join(dir, "events.ndjson"),
      "--rules",
      "bus:orders",
      "--dry-run",
    ]);
    expect(result.stderr).toContain(
      "route notify-shipped/notify → lambda:arn:aws:lambda:us-east-1:123456789012:function:notifier",
    );
    expect(result.code).toBe(0);
    const lambdaCalls = fake.received.filter((r) => r.service === "lambda") as ReceivedInvoke[];
    expect(lambdaCalls.every((r) => r.invocationType === "DryRun")).toBe(true);
  });

  test("an unknown bus is one error line, exit 2", async () => {
    const missing = await runCli(["run", "--from", join(dir, "events.ndjson"), "--rules", "bus:nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("rehydrate: --rules bus:nope: Event bus nope does not exist.");
  });
});

function byOrderText(a: { text: string; total: number }, b: { text: string; total: number }): number {
  return a.text === b.text ? a.total - b.total : a.text < b.text ? -1 : 1;
}
function numeric(a: number, b: number): number {
  return a - b;
}

describe("rehydrate run with rules: {template} in a pipeline file (offline, lambda-local)", () => {
  test("a template's rules, their functions mapped to a local handler, receive their events", async () => {
    const fixtures = join(import.meta.dir, "fixtures");
    const handler = join(fixtures, "recording-handler.ts");
    const pipeline = join(dir, "pipeline.yaml");
    writeFileSync(
      pipeline,
      [
        `source: ${join(dir, "events.ndjson")}`,
        "rules:",
        `  template: ${join(fixtures, "shop-template.yaml")}`,
        "  map:",
        `    ProjectorFunction: { uri: "lambda-local:${handler}", functionName: projector-local }`,
        `    NotifierFunction: { uri: "lambda-local:${handler}", functionName: notifier-local }`,
        "    AuditQueue: null",
        "    external: null",
        "orderKey: detail.orderId",
      ].join("\n"),
    );
    const calls = () =>
      ((globalThis as Record<string, unknown>).__routesHandlerCalls ?? []) as Array<{
        functionName: string;
        payload: unknown;
      }>;
    const before = calls().length;
    const result = await runCli(["run", pipeline]);
    expect(result.stderr).toContain("skipped rule AccountRule: its pattern uses Ref at account.0");
    expect(result.code).toBe(0);
    const seen = calls().slice(before);
    const to = (fn: string) => seen.filter((c) => c.functionName === fn).map((c) => c.payload);
    const shipped = events.filter((e) => e["detail-type"] === "OrderShipped");
    expect(to("notifier-local")).toHaveLength(shipped.length);
    expect(new Set(to("notifier-local"))).toEqual(
      new Set(
        shipped.map((e) => ({ order: (e.detail as { orderId: string }).orderId, rule: "notify-shipped" })),
      ),
    );
    const projector = to("projector-local");
    const full = projector.filter((p) => (p as { id?: string }).id !== undefined);
    const bigs = projector.filter((p) => (p as { big?: boolean }).big === true);
    expect(full.length).toBe(events.filter((e) => e.source === "shop.orders").length);
    expect(bigs.length).toBe(events.filter((e) => (e.detail as { total: number }).total >= 100).length);
    expect(full.length + bigs.length).toBe(projector.length);
  });

  test("--template <file> without #LogicalId takes every rule of the template as routes", async () => {
    const template = join(import.meta.dir, "fixtures", "shop-template.yaml");
    const result = await runCli(["run", "--from", join(dir, "events.ndjson"), "--template", template]);
    expect(result.stderr).toContain(`routes from ${template}: 2 targets`);
    expect(result.stderr).toContain("route notify-shipped/notify → lambda:shop-notifier");
    expect(result.stderr).toContain(
      // The template's !Sub "$" + "{ProjectorFunction.Arn}", quoted as written.
      `not replayed: rule BigOrdersRule target big (!Sub "$${"{"}ProjectorFunction.Arn}"): function ProjectorFunction is not resolved`,
    );
    expect(result.code).toBe(0);
    const shipped = events.filter((e) => e["detail-type"] === "OrderShipped");
    expect(invokes("shop-notifier").filter(real)).toHaveLength(shipped.length);
    expect(invokes("partner-hook").filter(real)).toHaveLength(shipped.length);
    expect(JSON.parse(invokes("partner-hook").filter(real)[0]!.body)).toEqual(shipped[0]!.detail);
  });
});
