import type {
  Envelope,
  ItemFailure,
  SourceBatch,
  SourcePlugin,
  TargetPlugin,
  WriteResult,
} from "../../src/sdk/index.ts";
import { PLUGIN_API_VERSION } from "../../src/sdk/index.ts";

export { seededRandom } from "./seeded-random.ts";

/** An EventBridge event for tests. */
export function testEvent(i: number, detail: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "0",
    id: `e${i}`,
    "detail-type": i % 2 === 0 ? "Order Placed" : "Order Shipped",
    source: "shop",
    account: "123456789012",
    time: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: [],
    detail: { orderId: `o${i % 7}`, n: i, ...detail },
  };
}

/** A record's JSON text, or none for a value too deeply nested to serialise. */
function textOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** What a memory source was given and what it acknowledged. */
export interface MemorySourceLog {
  acked: number[];
}

/**
 * A source plugin that yields in-memory records in batches. A record that is a string is
 * yielded as an invalid record (with the string as its reason).
 */
export function memorySource(
  records: unknown[],
  options: { batchSize?: number; log?: MemorySourceLog; delayMs?: number } = {},
): SourcePlugin {
  const batchSize = options.batchSize ?? 10;
  return {
    kind: "source",
    name: "memory",
    api: PLUGIN_API_VERSION,
    summary: "in-memory records for tests",
    config: { fields: {} },
    create: () => ({
      async *batches(ctx) {
        let i = 0;
        while (i < records.length) {
          if (ctx.signal.aborted) return;
          if (options.delayMs) await Bun.sleep(options.delayMs);
          const batch: SourceBatch = { records: [], invalid: [], checkpoint: i };
          const end = Math.min(records.length, i + batchSize);
          // Like real sources, a batch ends at an invalid record.
          for (; i < end; i++) {
            const value = records[i];
            if (typeof value === "string") {
              batch.invalid!.push({ position: `mem:${i + 1}:1`, reason: value, text: `bad ${i}` });
              i++;
              break;
            }
            batch.records.push({ value, position: `mem:${i + 1}`, text: textOf(value) });
          }
          yield batch;
        }
      },
      async ack(batch) {
        options.log?.acked.push(batch.checkpoint as number);
      },
    }),
  };
}

/** Everything a recording target saw. */
export interface RecordingLog {
  /** Event ids in delivery order (delivered items only). */
  delivered: string[];
  /** Every write call's ids, retries included. */
  writes: string[][];
  planned: string[];
  maxConcurrent: number;
  checks: number;
}

export interface RecordingOptions {
  log: RecordingLog;
  maxItems?: number;
  maxInFlight?: number;
  /** Fails an item: return a failure (without index) or undefined. */
  failure?: (envelope: Envelope, attempt: number) => Omit<ItemFailure, "index"> | undefined;
  /** Latency per write in ms. */
  latency?: () => number;
  /** Throw from write (a broken target). */
  throwOnWrite?: boolean;
  /** How the target treats two events of one key in one batch (see `Target.sameKey`). */
  sameKey?: "collapse" | "sequential" | "independent";
  /** Throw from the n-th write call (1-based): a target that breaks mid-run. */
  throwOnWriteAt?: number;
  /** Throw this error (instead of "access denied") when throwing. */
  throwError?: () => Error;
  checkOk?: boolean;
}

export function newRecordingLog(): RecordingLog {
  return { delivered: [], writes: [], planned: [], maxConcurrent: 0, checks: 0 };
}

/** A target plugin that records what it receives, with injectable failures and latency. */
export function recordingTarget(options: RecordingOptions): TargetPlugin {
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let calls = 0;
  return {
    kind: "target",
    name: "recording",
    api: PLUGIN_API_VERSION,
    summary: "records writes for tests",
    config: { fields: {} },
    create: () => ({
      policy: { maxItems: options.maxItems ?? 5, maxInFlight: options.maxInFlight ?? 16, lingerMs: 5 },
      ...(options.sameKey && { sameKey: options.sameKey }),
      async check() {
        options.log.checks++;
        return options.checkOk === false ? { ok: false, details: ["nope"] } : { ok: true, details: ["fine"] };
      },
      async plan(batch) {
        options.log.planned.push(...batch.map((e) => e.event.id));
        return batch.map((_e, index) => ({ index, action: "put", destination: "memory" }));
      },
      async write(batch): Promise<WriteResult> {
        inFlight++;
        options.log.maxConcurrent = Math.max(options.log.maxConcurrent, inFlight);
        try {
          calls++;
          if (options.throwOnWrite || calls === options.throwOnWriteAt)
            throw options.throwError?.() ?? new Error("access denied");
          options.log.writes.push(batch.map((e) => e.event.id));
          if (options.latency) await Bun.sleep(options.latency());
          const failures: ItemFailure[] = [];
          batch.forEach((envelope, index) => {
            const attempt = (attempts.get(envelope.event.id) ?? 0) + 1;
            attempts.set(envelope.event.id, attempt);
            const failure = options.failure?.(envelope, attempt);
            if (failure) failures.push({ index, ...failure });
            else options.log.delivered.push(envelope.event.id);
          });
          return { failures };
        } finally {
          inFlight--;
        }
      },
    }),
  };
}
