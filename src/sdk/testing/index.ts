/**
 * The plugin conformance kit: the properties every source and target must have, as `bun:test`
 * suites, plus the helpers they are built from (a real host, event builders, a source drainer,
 * a target driver that runs the engine's own stages, a fault injector). Built-in plugins run it
 * in `test/conformance/`; a third-party plugin calls it the same way from its own tests:
 *
 * ```ts
 * import { targetConformance, testHost } from "rehydrate/sdk/testing";
 * targetConformance({ name: "my-store", kind: "storage", make: async () => ({ target, state }) });
 * ```
 *
 * The rules it checks are written in docs/specs/plugin.md.
 *
 * @module
 */
export { type ConformanceEventOptions, conformanceEvents, envelopesOf } from "./events.ts";
export { type FaultOptions, withRetryableFaults } from "./faults.ts";
export { type TestHostOptions, testHost } from "./host.ts";
export {
  type DrainResult,
  drainSource,
  type SourceSubject,
  sourceConformance,
} from "./source-conformance.ts";
export { type TargetInstance, type TargetSubject, targetConformance } from "./target-conformance.ts";
export { type DriveOptions, type DriveResult, driveTarget } from "./target-driver.ts";
