/**
 * The running `eventbridge` target: PutEvents in index-aligned requests, per-entry failures.
 *
 * @module
 */
import {
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import {
  type CheckResult,
  type Envelope,
  type Host,
  type ItemFailure,
  type PlannedAction,
  PluginError,
  type Target,
  type WriteResult,
} from "../../src/sdk/index.ts";
import { type BuiltEntry, buildEntry, chunkBySize, type IsolationOptions } from "./entries.ts";

/** Entry error codes worth resending (design: test-backends.md, "EventBridge PutEvents"). */
const RETRYABLE_ENTRY_CODES = new Set(["ThrottlingException", "InternalFailure"]);

/** PutEvents accepts at most this many entries per request. */
export const MAX_ENTRIES = 10;

/** What the target needs besides a client. */
export interface EventBridgeTargetOptions {
  /** Bus name or ARN, sent as `EventBusName`. */
  bus: string;
  /** Largest request (sum of entry sizes) and largest single entry, in bytes. */
  maxRequestBytes: number;
  /** Most PutEvents calls in flight, across ordering lanes. */
  maxInFlight: number;
  isolation: IsolationOptions;
}

/** The slice of the SDK client the target uses, so unit tests can pass a stand-in. */
export type PutEventsClient = Pick<EventBridgeClient, "send" | "destroy">;

/** Creates the target. `client` is built lazily so `create` does no I/O. */
export function createEventBridgeTarget(
  options: EventBridgeTargetOptions,
  host: Host,
  makeClient: () => PutEventsClient,
): Target {
  let client: PutEventsClient | undefined;
  const getClient = () => {
    client ??= makeClient();
    return client;
  };
  const busLabel = `bus ${options.bus}`;

  return {
    policy: { maxItems: MAX_ENTRIES, maxBytes: options.maxRequestBytes, maxInFlight: options.maxInFlight },

    async check(): Promise<CheckResult> {
      try {
        const bus = await getClient().send(new DescribeEventBusCommand({ Name: options.bus }));
        const details = [`event bus ${bus.Name} exists (${bus.Arn})`, ...isolationDetails(options.isolation)];
        details.push(
          "note: a bus does not preserve order for its targets, even when rehydrate sends in order",
        );
        return { ok: true, details };
      } catch (error) {
        const info = host.helpers.classifyAwsError(error);
        if (info.code === "AccessDeniedException" || info.code === "AccessDenied") {
          // A least-privilege replay role may hold events:PutEvents only. Refusing to run for
          // want of a read permission would be wrong; the first PutEvents proves access.
          return {
            ok: true,
            details: [
              `could not verify event bus ${options.bus}: ${info.code} (events:DescribeEventBus is not allowed); ` +
                "the first PutEvents will show whether the bus exists and may be written",
              ...isolationDetails(options.isolation),
            ],
          };
        }
        const details =
          info.code === "ResourceNotFoundException"
            ? [`event bus ${options.bus} does not exist (${info.message})`]
            : [`cannot describe event bus ${options.bus}: ${info.code}: ${info.message}`];
        return { ok: false, details };
      }
    },

    async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
      return batch.map((envelope, index) => {
        const built = buildEntry(envelope, options.bus, options.isolation);
        if (!("entry" in built)) {
          return { index, action: "skip", destination: busLabel, preview: { reason: built.message } };
        }
        if (built.size > options.maxRequestBytes) {
          return {
            index,
            action: "skip",
            destination: busLabel,
            preview: { reason: tooBigMessage(envelope, built.size, options.maxRequestBytes) },
          };
        }
        return { index, action: "put", destination: busLabel, preview: previewOf(built.entry) };
      });
    },

    async write(batch: readonly Envelope[]): Promise<WriteResult> {
      const failures: ItemFailure[] = [];
      const sendable: Array<BuiltEntry & { index: number }> = [];
      batch.forEach((envelope, index) => {
        const built = buildEntry(envelope, options.bus, options.isolation);
        if (!("entry" in built)) {
          failures.push({ index, retryable: false, code: built.code, message: built.message });
        } else if (built.size > options.maxRequestBytes) {
          failures.push({
            index,
            retryable: false,
            code: "EntryTooLarge",
            message: tooBigMessage(envelope, built.size, options.maxRequestBytes),
          });
        } else {
          sendable.push({ ...built, index });
        }
      });

      // The engine's byte estimate is of the whole event; EventBridge counts entry fields, so a
      // batch may still need splitting. Requests go one after another to keep their order.
      const chunks = chunkBySize(sendable, MAX_ENTRIES, options.maxRequestBytes);
      for (let c = 0; c < chunks.length; c++) {
        const chunk = chunks[c]!;
        const chunkFailures = await sendChunk(getClient(), chunk, options.bus, host);
        failures.push(...chunkFailures);
        if (chunkFailures.some((failure) => failure.retryable) && c + 1 < chunks.length) {
          // Sending later chunks now would let them overtake the entries being retried.
          for (const later of chunks.slice(c + 1).flat()) {
            failures.push({
              index: later.index,
              retryable: true,
              code: "NotSent",
              message: "not sent: an earlier entry of the same batch is being retried",
            });
          }
          break;
        }
      }
      failures.sort((a, b) => a.index - b.index);
      host.log.debug(`PutEvents ${batch.length} events to ${busLabel}: ${failures.length} failed`);
      return { failures };
    },

    async close(): Promise<void> {
      client?.destroy();
      client = undefined;
    },
  };
}

/** Sends one request and maps its answer to item failures (indexes into the write's batch). */
async function sendChunk(
  client: PutEventsClient,
  chunk: Array<BuiltEntry & { index: number }>,
  bus: string,
  host: Host,
): Promise<ItemFailure[]> {
  let results: PutEventsResultEntry[];
  try {
    const answer = await client.send(new PutEventsCommand({ Entries: chunk.map((item) => item.entry) }));
    results = answer.Entries ?? [];
  } catch (error) {
    const info = host.helpers.classifyAwsError(error);
    if (info.kind === "fatal") {
      throw new PluginError(`PutEvents failed: ${info.code}: ${info.message}`, `eventbridge bus ${bus}`);
    }
    return chunk.map((item) => {
      const failure: ItemFailure = {
        index: item.index,
        retryable: info.kind === "retryable",
        throttled: info.throttled,
        code: info.code,
        message: `PutEvents request failed: ${info.message}`,
      };
      if (info.retryAfterMs !== undefined) failure.retryAfterMs = info.retryAfterMs;
      return failure;
    });
  }
  const failures: ItemFailure[] = [];
  chunk.forEach((item, i) => {
    const result = results[i];
    if (result === undefined) {
      // AWS always answers index-aligned; a short answer means we cannot know, so resend.
      failures.push({
        index: item.index,
        retryable: true,
        code: "MissingResult",
        message: "PutEvents answered without a result for this entry",
      });
    } else if (result.ErrorCode) {
      failures.push({
        index: item.index,
        retryable: RETRYABLE_ENTRY_CODES.has(result.ErrorCode),
        throttled: result.ErrorCode === "ThrottlingException",
        code: result.ErrorCode,
        message: result.ErrorMessage ?? result.ErrorCode,
      });
    }
  });
  return failures;
}

function tooBigMessage(envelope: Envelope, size: number, limit: number): string {
  return (
    `event ${JSON.stringify(envelope.event.id)} at ${envelope.position} is ${size} bytes as a PutEvents entry, ` +
    `over the ${limit}-byte limit (maxRequestBytes); EventBridge cannot carry it`
  );
}

function previewOf(entry: PutEventsRequestEntry): Record<string, unknown> {
  return {
    Time: entry.Time?.toISOString(),
    Source: entry.Source,
    DetailType: entry.DetailType,
    Resources: entry.Resources,
    Detail: entry.Detail,
  };
}

function isolationDetails(isolation: IsolationOptions): string[] {
  const details: string[] = [];
  if (isolation.markReplay !== undefined) {
    details.push(
      isolation.markReplayIn === "detail"
        ? `replayed events carry "rehydrate-replay": "${isolation.markReplay}" in detail`
        : `replayed events carry "rehydrate:replay/${isolation.markReplay}" in resources`,
    );
  }
  if (isolation.sourcePrefix)
    details.push(`replayed events have source prefixed with "${isolation.sourcePrefix}"`);
  if (details.length === 0) {
    details.push("replayed events are not marked: live rules on this bus will match them like live events");
  }
  return details;
}
