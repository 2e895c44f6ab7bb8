import type { EnvelopeMapper } from "../../envelope/mapping.ts";
import type { Envelope, EventBridgeEvent, Source, SourceOpenContext, SourceRecord } from "../../sdk/index.ts";
import type { AckTracker } from "../ack-tracker.ts";
import type { ReportBuilder } from "../report-builder.ts";
import type { BatchTicket } from "../run-item.ts";
import { abortable } from "./abortable.ts";
import type { Selection } from "./selection.ts";

/** One matched event, with the targets its routes selected. */
export interface ReadItem {
  readonly envelope: Envelope;
  /** The record's original text or bytes, for the failed-events file. */
  readonly original: string | Uint8Array | undefined;
  /** Bit `i` set when target `i` takes this event. Never 0: unrouted events are only counted. */
  readonly targets: number;
}

/** A source batch, read, mapped and filtered: what the dispatch stage hands to the targets. */
export interface ReadBatch {
  readonly ticket: BatchTicket;
  readonly items: ReadItem[];
}

export interface ReadStageOptions {
  source: Source;
  context: SourceOpenContext;
  mapper: EnvelopeMapper;
  /** Whether records pass through unmapped (their text is the event's JSON). */
  passThrough: boolean;
  selection: Selection;
  /** Computes the `--order-key` value of an event, when the run has one. */
  orderKeyOf?: (event: EventBridgeEvent) => unknown;
  /** Stop after this many matched events. */
  limit?: number;
  acks: AckTracker;
  report: ReportBuilder;
  /**
   * An unreadable record. Returns whether the read goes on (`--skip-invalid`): otherwise the
   * read stops right there, after what was read before it has been dispatched.
   */
  onInvalid(position: string, reason: string, original: string | Uint8Array): boolean;
}

/**
 * The read stage: source records → envelopes → pattern and time range → routes → limit, with
 * invalid records handled on the way. Pull-based: the next source batch is asked for only when
 * the consumer (dispatch, which waits for room in the targets' lanes) asks for the next batch.
 *
 * Counting: every record the stage takes is counted exactly once as matched, unmatched or
 * invalid (prefiltered records as unmatched). With `--limit`, the read stops at the limit-th
 * matched event: later records of that batch are not taken and not counted, and the batch is
 * marked partial so its cursor is never acknowledged.
 */
export async function* readStage(options: ReadStageOptions): AsyncGenerator<ReadBatch> {
  const { source, context, mapper, selection, acks, report, limit } = options;
  if (limit === 0) return;
  let seq = 0;
  let matched = 0;
  for await (const batch of abortable(source.batches(context), context.signal)) {
    const ticket = acks.open(batch);
    report.countInto(ticket.counts);
    const items: ReadItem[] = [];
    let stop = false;
    if (batch.prefiltered) report.prefiltered(batch.prefiltered);
    const records = batch.records ?? [];
    // A verified batch of a run that never looks at events: they go on unparsed.
    const unparsedTargets =
      options.passThrough && batch.verified === true && options.orderKeyOf === undefined
        ? selection.everyEvent
        : undefined;
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      // `bytes` first: a source giving them may decode `text` only when it is read.
      if (unparsedTargets !== undefined && (record.bytes !== undefined || record.text !== undefined)) {
        const envelope = new UnparsedEnvelope(record, seq++);
        report.matchedUnparsed(envelope, unparsedTargets !== 0);
        matched++;
        if (unparsedTargets !== 0)
          items.push({ envelope, original: record.bytes ?? record.text, targets: unparsedTargets });
        if (limit !== undefined && matched >= limit) {
          stop = true;
          ticket.partial = r + 1 < records.length || (batch.invalid?.length ?? 0) > 0;
          break;
        }
        continue;
      }
      const event =
        options.passThrough && batch.verified === true
          ? (record.value as EventBridgeEvent)
          : mapper(record.value, record.position);
      if (typeof event === "string") {
        report.invalid(record.position, event);
        if (!options.onInvalid(record.position, event, record.text ?? safeStringify(record.value))) {
          stop = true;
          ticket.partial = r + 1 < records.length || (batch.invalid?.length ?? 0) > 0;
          break;
        }
        continue;
      }
      if (!selection.matches(event)) {
        report.unmatched();
        continue;
      }
      const targets = selection.route(event);
      report.matched(event, targets !== 0);
      matched++;
      if (targets !== 0) {
        const keyValue = options.orderKeyOf?.(event);
        items.push({
          envelope: {
            event,
            position: record.position,
            seq: seq++,
            text: options.passThrough ? record.text : undefined,
            bytes: options.passThrough ? record.bytes : undefined,
            record: record.value,
            orderKey: keyValue === undefined || keyValue === null ? undefined : keyString(keyValue),
          },
          original: record.text,
          targets,
        });
      }
      if (limit !== undefined && matched >= limit) {
        stop = true;
        ticket.partial = r + 1 < records.length || (batch.invalid?.length ?? 0) > 0;
        break;
      }
    }
    if (!stop) {
      const invalid = batch.invalid ?? [];
      for (let i = 0; i < invalid.length; i++) {
        const record = invalid[i]!;
        report.invalid(record.position, record.reason);
        if (!options.onInvalid(record.position, record.reason, record.bytes ?? record.text)) {
          stop = true;
          ticket.partial = i + 1 < invalid.length;
          break;
        }
      }
    }
    yield { ticket, items };
    if (stop || context.signal.aborted) return;
  }
}

/**
 * The envelope of a record its source verified (`SourceBatch.verified`) in a run that does not
 * look at events: `event` is the record's value, which the source parses from `text` only when a
 * target reads it, and `text` and `bytes` are the record's, which a source giving bytes may
 * decode only when read. A target writing `bytes` (the `file` target) never parses or decodes.
 */
class UnparsedEnvelope implements Envelope {
  readonly position: string;
  constructor(
    private readonly source: SourceRecord,
    readonly seq: number,
  ) {
    this.position = source.position;
  }
  get text(): string | undefined {
    return this.source.text;
  }
  get bytes(): Uint8Array | undefined {
    return this.source.bytes;
  }
  get event(): EventBridgeEvent {
    return this.source.value as EventBridgeEvent;
  }
  get record(): unknown {
    return this.source.value;
  }
}

function keyString(value: unknown): string {
  return typeof value === "object" ? safeStringify(value) : String(value);
}

/** JSON text of a value, or a note when it cannot be serialised (nested too deeply). */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return '"(record too deeply nested to serialise)"';
  }
}
