import type { CompiledPattern } from "../../pattern/index.ts";
import type { EventBridgeEvent } from "../../sdk/index.ts";

/** The run's time range on the events' `time` (`--since`, `--until`), as epoch milliseconds. */
export interface TimeRange {
  /** Inclusive lower bound. */
  sinceMs?: number;
  /** Exclusive upper bound. */
  untilMs?: number;
}

/**
 * What a run selects, and for whom: the run's pattern and time range decide whether an event
 * is *matched*; each target's own pattern (its route) decides which targets receive it.
 */
export interface Selection {
  matches(event: EventBridgeEvent): boolean;
  /** Bit `i` set when target `i` receives the event. */
  route(event: EventBridgeEvent): number;
  /**
   * Set when neither decision looks at the event (no pattern, time range or routes): the
   * targets every event goes to. A stage may then pass events on without parsing them.
   */
  readonly everyEvent?: number;
}

/**
 * Builds the selection for `targetCount` targets. `routes[i]` is target `i`'s own pattern, or
 * undefined (or absent) when the target receives every matched event. An event whose `time`
 * does not parse is outside any time range.
 */
export function createSelection(
  pattern: CompiledPattern | undefined,
  range: TimeRange,
  targetCount: number,
  routes: ReadonlyArray<CompiledPattern | undefined> = [],
): Selection {
  const inRange =
    range.sinceMs === undefined && range.untilMs === undefined
      ? undefined
      : (event: EventBridgeEvent) => {
          const ms = Date.parse(String(event.time));
          if (Number.isNaN(ms)) return false;
          return (
            (range.sinceMs === undefined || ms >= range.sinceMs) &&
            (range.untilMs === undefined || ms < range.untilMs)
          );
        };
  const matchesPattern = pattern ? (event: EventBridgeEvent) => pattern.matches(event) : undefined;
  const matches =
    inRange && matchesPattern
      ? (event: EventBridgeEvent) => inRange(event) && matchesPattern(event)
      : (inRange ?? matchesPattern ?? (() => true));
  let all = 0;
  for (let i = 0; i < targetCount; i++) if (!routes[i]) all |= 1 << i;
  const routed = routes.flatMap((route, i) => (route ? [{ bit: 1 << i, route }] : []));
  const route =
    routed.length === 0
      ? () => all
      : (event: EventBridgeEvent) => {
          let mask = all;
          for (const { bit, route } of routed) if (route.matches(event)) mask |= bit;
          return mask;
        };
  const looksAtEvent = inRange !== undefined || matchesPattern !== undefined || routed.length > 0;
  return looksAtEvent ? { matches, route } : { matches, route, everyEvent: all };
}
