import { pushSample, type TargetReport } from "../../report/run-report.ts";
import type { Target } from "../../sdk/index.ts";
import type { QueuedItem } from "./queued.ts";

const PREVIEW_LIMIT = 500;

/** Asks the target what a write of `batch` would do (dry runs) and records it in the report. */
export async function planBatch(target: Target, batch: QueuedItem[], counters: TargetReport): Promise<void> {
  const planned = await target.plan(batch.map((entry) => entry.item.envelope));
  const seen = new Set<number>();
  for (const action of Array.isArray(planned) ? planned : []) {
    const entry = batch[action.index];
    if (!entry || seen.has(action.index)) continue;
    seen.add(action.index);
    counters.plannedActions[action.action] = (counters.plannedActions[action.action] ?? 0) + 1;
    pushSample(counters.plan, {
      position: entry.item.envelope.position,
      action: action.action,
      destination: action.destination,
      preview: truncatePreview(action.preview),
    });
  }
}

/** Keeps dry-run previews small in the report. */
function truncatePreview(preview: unknown): unknown {
  if (preview === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(preview);
  } catch {
    return "(too deeply nested to show)";
  }
  if (text === undefined || text.length <= PREVIEW_LIMIT) return preview;
  return text.slice(0, PREVIEW_LIMIT) + "…";
}
