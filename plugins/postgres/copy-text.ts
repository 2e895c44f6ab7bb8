/**
 * Encodes stage rows for `COPY … FROM STDIN` in PostgreSQL's text format: columns separated by
 * tabs, rows by newlines, NULL as `\N`, and backslash, tab, newline and carriage return escaped.
 *
 * @module
 */
import type { Cell } from "../shared/table-mapping/cells.ts";

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** One cell as COPY text. Booleans as `t`/`f`, numbers in JavaScript's shortest round-trip form. */
export function copyCell(cell: Cell): string {
  if (cell === null) return "\\N";
  if (typeof cell === "boolean") return cell ? "t" : "f";
  if (typeof cell === "number") return String(cell);
  if (!NEEDS_ESCAPE.test(cell)) return cell;
  return cell.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

/**
 * Whether a cell can be stored at all: PostgreSQL text cannot hold a NUL character (COPY would
 * refuse the whole batch), so such an event fails on its own before COPY.
 */
export function hasNul(cell: Cell): boolean {
  return typeof cell === "string" && cell.includes("\0");
}
