/**
 * Skipping whole objects by the date in their key, for `--since`/`--until`.
 *
 * Firehose writes `<prefix>YYYY/MM/DD/HH/<stream>-…` by default, the hour (UTC) the records
 * *arrived*. An event's own `time` is usually a little earlier than its arrival (and a sender may
 * set it to anything), so the window an object covers is widened by `slackSeconds` on both sides
 * before it is compared with the run's range. An object whose key does not match the layout is
 * always read.
 *
 * @module
 */
import { PluginError } from "../../src/sdk/index.ts";

/** Firehose's default layout. */
export const FIREHOSE_LAYOUT = "YYYY/MM/DD/HH/";

/** A compiled layout: finds the date in a key. */
export interface DateLayout {
  /** The time window `[start, end)` (epoch ms) the key's date covers, or `undefined` if it has none. */
  window(key: string): { start: number; end: number } | undefined;
}

const TOKENS = ["YYYY", "MM", "DD", "HH", "mm"] as const;
type Token = (typeof TOKENS)[number];

/**
 * Compiles a layout made of `YYYY`, `MM`, `DD`, `HH`, `mm` and literal characters, e.g.
 * `YYYY/MM/DD/HH/` or `dt=YYYY-MM-DD/`. The layout is searched anywhere in the key (the first
 * match counts). The window's length is the smallest unit present (an hour for Firehose's).
 */
export function compileDateLayout(layout: string): DateLayout {
  const order: Token[] = [];
  let source = "";
  for (let i = 0; i < layout.length; ) {
    const token = TOKENS.find((t) => layout.startsWith(t, i));
    if (token) {
      order.push(token);
      source += token === "YYYY" ? "(\\d{4})" : "(\\d{2})";
      i += token.length;
    } else {
      source += layout[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i++;
    }
  }
  if (!order.includes("YYYY")) throw new PluginError("a date layout needs at least YYYY", "dateLayout");
  const pattern = new RegExp(source);
  const unit = order.includes("mm")
    ? "minute"
    : order.includes("HH")
      ? "hour"
      : order.includes("DD")
        ? "day"
        : order.includes("MM")
          ? "month"
          : "year";
  return {
    window(key) {
      const match = pattern.exec(key);
      if (!match) return undefined;
      const parts: Record<Token, number> = { YYYY: 0, MM: 1, DD: 1, HH: 0, mm: 0 };
      order.forEach((token, k) => {
        parts[token] = Number(match[k + 1]);
      });
      const { YYYY: y, MM: mo, DD: d, HH: h, mm: mi } = parts;
      if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
      const start = Date.UTC(y, mo - 1, d, h, mi);
      const end =
        unit === "minute"
          ? start + 60_000
          : unit === "hour"
            ? start + 3_600_000
            : unit === "day"
              ? start + 86_400_000
              : unit === "month"
                ? Date.UTC(y, mo, 1)
                : Date.UTC(y + 1, 0, 1);
      return { start, end };
    },
  };
}

/**
 * Whether every event of an object whose key covers `window` (widened by `slackMs`) lies outside
 * `[since, until)`, so the object can be skipped unread.
 */
export function outsideRange(
  window: { start: number; end: number },
  slackMs: number,
  since: number | undefined,
  until: number | undefined,
): boolean {
  if (since !== undefined && window.end + slackMs <= since) return true;
  if (until !== undefined && window.start - slackMs >= until) return true;
  return false;
}
