import type { OrderMode } from "../../config/run-plan.ts";
import type { Envelope, Target } from "../../sdk/index.ts";

/** How one target's events are laid on lanes. */
export interface TargetOrdering {
  /** For the report: `global`, `row key`, or the order key's path. */
  readonly describe: string;
  readonly lanes: number;
  /** The event's ordering key; `undefined` when it has none (counted, ordered together). */
  keyOf(envelope: Envelope): string | undefined;
}

const GLOBAL_KEY = () => "";

/**
 * Decides a target's ordering. `concurrency` is `--concurrency` when given; without it, a keyed
 * target uses as many lanes as it allows writes in flight (`policy.maxInFlight`).
 */
export function orderingFor(
  target: Target,
  mode: OrderMode,
  concurrency: number | undefined,
): TargetOrdering {
  const maxInFlight = Math.max(1, Math.floor(target.policy.maxInFlight));
  const lanes = Math.max(1, Math.min(concurrency ?? maxInFlight, maxInFlight));
  if (mode.kind === "path") {
    return { describe: mode.path, lanes, keyOf: (envelope) => envelope.orderKey };
  }
  const rowKey = target.rowKey?.bind(target);
  if (mode.kind === "auto" && rowKey && target.sameKey === "collapse") {
    return {
      describe: "row key",
      lanes,
      keyOf: (envelope) => {
        try {
          return rowKey(envelope.event);
        } catch {
          return undefined; // the write will fail the event with the target's own reason
        }
      },
    };
  }
  return { describe: "global", lanes: 1, keyOf: GLOBAL_KEY };
}
