/**
 * The conformance kit on the delivery targets: `eventbridge` and `lambda` against the loopback
 * AWS fake (real SDK clients), and `lambda-local` with a recording handler.
 */
import { afterAll, beforeAll } from "bun:test";
import { resolve } from "node:path";
import eventbridge from "../../plugins/eventbridge/index.ts";
import lambda from "../../plugins/lambda/index.ts";
import lambdaLocal from "../../plugins/lambda-local/index.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type { EventBridgeEvent, Target, TargetPlugin } from "../../src/sdk/index.ts";
import { targetConformance, testHost } from "../../src/sdk/testing/index.ts";
import { useAwsFakeEnv } from "../aws/aws-env.ts";
import {
  type AwsFake,
  type ReceivedEventBridge,
  type ReceivedInvoke,
  startAwsFake,
} from "../fakes/aws-server.ts";

let fake: AwsFake;
let restoreEnv: (() => void) | undefined;
const buses = Array.from({ length: 12 }, (_, i) => `kit-bus-${i}`);
beforeAll(() => {
  fake = startAwsFake({ buses, seed: 3 });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv?.();
  await fake.stop();
});

const build = async (plugin: TargetPlugin<never>, raw: Record<string, unknown>, dryRun: boolean) =>
  (await plugin.create(
    validatePluginConfig(plugin.name, plugin.config, raw, "test") as never,
    testHost({ dryRun }),
  )) as Target;

let busIndex = 0;
targetConformance({
  name: "eventbridge",
  kind: "delivery",
  async make({ dryRun }) {
    const bus = buses[busIndex++ % buses.length]!;
    const start = fake.received.length;
    const target = await build(eventbridge as TargetPlugin<never>, { bus }, dryRun);
    return {
      target,
      // What the bus took, in order: EventBridge assigns its own ids, so the kit's id is rebuilt
      // from the detail it numbered.
      state: async () =>
        fake.received
          .slice(start)
          .filter((r): r is ReceivedEventBridge => r.service === "eventbridge" && r.operation === "PutEvents")
          .flatMap((r) => r.entries ?? [])
          .filter(
            (e) =>
              e.outcome !== "ThrottlingException" &&
              !String(e.outcome).includes("Exception") &&
              e.EventBusName === bus,
          )
          .map((e) => {
            const detail = JSON.parse(e.Detail ?? "{}") as { n: number };
            return { id: `evt-${detail.n}`, detail } as unknown as EventBridgeEvent;
          }),
    };
  },
});

let fnIndex = 0;
targetConformance({
  name: "lambda",
  kind: "delivery",
  async make({ dryRun }) {
    const name = `kit-fn-${fnIndex++}`;
    const target = await build(lambda as TargetPlugin<never>, { function: name }, dryRun);
    return {
      target,
      state: async () =>
        fake.received
          .filter(
            (r): r is ReceivedInvoke =>
              r.service === "lambda" && r.functionName === name && r.outcome === "ok",
          )
          .map((r) => JSON.parse(r.body) as EventBridgeEvent),
    };
  },
});

const store = globalThis as { __rehydrateKitDelivered?: unknown[] };
targetConformance({
  name: "lambda-local",
  kind: "delivery",
  async make({ dryRun }) {
    store.__rehydrateKitDelivered = [];
    const target = await build(
      lambdaLocal as TargetPlugin<never>,
      { handler: resolve(import.meta.dir, "fixtures/recording-handler.ts") },
      dryRun,
    );
    return { target, state: async () => [...(store.__rehydrateKitDelivered ?? [])] as EventBridgeEvent[] };
  },
});
