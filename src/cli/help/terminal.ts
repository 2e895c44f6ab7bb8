/**
 * What the CLI may assume about the stream it writes to: colour, width, TTY. One place, so
 * help, errors and progress agree (`--help > file` carries no escape codes).
 *
 * @module
 */

/** The stream facts the CLI reads (a Node `WriteStream` has them; a pipe or a test stream may not). */
export interface StreamFacts {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether to colour output on `stream`: `NO_COLOR` (any non-empty value) wins, then
 * `FORCE_COLOR` (anything but `0`/`false`), else only on a terminal that is not `TERM=dumb`.
 * See https://no-color.org and https://force-color.org.
 */
export function useColor(stream: StreamFacts, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/**
 * The width to wrap at: the terminal's, else `$COLUMNS`, else 80. Never below 40 columns, so a
 * tiny pane still gets readable (if long) lines.
 */
export function terminalWidth(stream: StreamFacts, env: Record<string, string | undefined>): number {
  const fromTty = stream.isTTY && stream.columns ? stream.columns : undefined;
  const fromEnv = Number(env.COLUMNS);
  const width = fromTty ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80);
  return Math.max(40, width);
}

/** Styles text when colour is on; identity otherwise. */
export interface Styler {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
}

/** A {@link Styler} for `enabled` colour. */
export function styler(enabled: boolean): Styler {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39) };
}

/**
 * Greedy word wrap of one paragraph to `width` columns, every line after the first prefixed
 * with `indent`. A word longer than the line stays whole (URIs and flags must not be cut).
 */
export function wrapText(text: string, width: number, indent = "", firstIndent = indent): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let line = firstIndent;
  let lineHasWord = false;
  for (const word of words) {
    const candidate = lineHasWord ? `${line} ${word}` : `${line}${word}`;
    if (lineHasWord && candidate.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = candidate;
    }
    lineHasWord = true;
  }
  if (lineHasWord || lines.length === 0) lines.push(line);
  return lines;
}
