/**
 * Helpers for the `sqlite:` tests (not used by the plugin itself).
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventBridgeEvent, Host, Target } from "../../src/sdk/index.ts";
import { testHost as kitHost } from "../../src/sdk/testing/index.ts";
import { envelopes, userEvent as sharedUserEvent } from "../shared/table-mapping/test-support.ts";
import plugin from "./index.ts";

/** A fresh temp folder and a function removing it. */
export function tempFolder(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rehydrate-sqlite-test-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real host, as the engine builds it, with log lines collected in `log`. */
export function testHost(options: { baseDir: string; dryRun?: boolean; log?: string[] }): Host {
  return kitHost({ baseDir: options.baseDir, dryRun: options.dryRun ?? false, logs: options.log ?? [] });
}

/** An EventBridge event for user `userId`, with an id unique to each call. */
export function userEvent(
  userId: unknown,
  detail: Record<string, unknown> = {},
  detailType = "UserUpdated",
): EventBridgeEvent {
  return sharedUserEvent(userId, detail, detailType, { uniqueId: true });
}

export { envelopes };

/** Creates and opens a `sqlite:` target from raw config, as the engine would (minus validation). */
export async function openTarget(config: Record<string, unknown>, host: Host): Promise<Target> {
  const target = await plugin.create(config as never, host);
  await target.open?.();
  return target;
}
