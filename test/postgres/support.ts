/**
 * Helpers for the `postgres` target tests: a host as the engine builds it, targets created from
 * raw config against the shared test server, seeded events, and table dumps.
 *
 * @module
 */

import type postgres from "postgres";
import plugins from "../../plugins/postgres/index.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { Envelope, Host, Target, TargetPlugin, WriteResult } from "../../src/sdk/index.ts";
import type { PostgresServer } from "../services/postgres.ts";

const plugin = plugins[0] as unknown as TargetPlugin;

/** A real host, with log lines collected in `log`. */
export function testHost(options: { dryRun?: boolean; log?: string[] } = {}): Host {
  const log = options.log ?? [];
  return createHost({
    pluginName: "postgres",
    dryRun: options.dryRun ?? false,
    signal: new AbortController().signal,
    baseDir: "/tmp",
    aws: {},
    stderr: { write: (text: string) => log.push(text) },
  });
}

export { envelopes, userEvent } from "../../plugins/shared/table-mapping/test-support.ts";

/** Creates and opens a target on `server` from raw config (url filled in), as the engine would. */
export async function openTarget(
  server: PostgresServer,
  config: Record<string, unknown>,
  host: Host = testHost(),
): Promise<Target> {
  const target = await plugin.create({ url: server.url, ...config } as never, host);
  await target.open?.();
  return target;
}

/** Writes batches in order, retrying retryable failures like the engine would (up to 5 times). */
export async function writeAll(target: Target, batches: readonly Envelope[][]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (const batch of batches) {
    let pending = batch;
    let result = await target.write(pending, { signal: new AbortController().signal });
    for (let attempt = 0; attempt < 5 && result.failures.some((f) => f.retryable); attempt++) {
      const retry = new Set(result.failures.filter((f) => f.retryable).map((f) => f.index));
      pending = pending.filter((_, i) => retry.has(i));
      result = await target.write(pending, { signal: new AbortController().signal });
    }
    results.push(result);
  }
  return results;
}

/** Quotes an identifier (test-side, for the tests' own SQL). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Splits `items` into chunks of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Holds an ACCESS EXCLUSIVE lock on `qualifiedTable` in a transaction of `sql` until the returned
 * function is called (and awaited), so a writer's statement waits on it.
 */
export async function holdLock(sql: postgres.Sql, qualifiedTable: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const transaction = sql.begin(async (tx) => {
    await tx.unsafe(`LOCK TABLE ${qualifiedTable} IN ACCESS EXCLUSIVE MODE`);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await transaction;
  };
}
