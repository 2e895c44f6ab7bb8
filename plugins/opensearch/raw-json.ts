/**
 * Just enough of a JSON scanner to take *text* out of JSON without re-serialising it: a hit's
 * `_source` (passed through byte for byte), a hit's `sort` values and a version number (both
 * may be longs beyond 2^53, which `JSON.parse` would round). It assumes valid JSON (the server
 * produced it, or `JSON.parse` accepted it already) and never builds values itself.
 *
 * @module
 */

/** Index of the first non-whitespace character at or after `i`. */
function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index just after the string starting at `i` (which is a `"`). */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  throw new SyntaxError("unterminated string");
}

/** Index just after the value starting at (or after whitespace from) `i`. */
export function skipValue(text: string, i: number): number {
  i = skipSpace(text, i);
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError("unterminated object or array");
  }
  // number, true, false, null
  while (i < text.length && !",}] \n\r\t".includes(text[i]!)) i++;
  return i;
}

/**
 * Calls `visit(key, valueStart)` for each member of the object starting at `i`; `visit` returns
 * the index after the value (normally `skipValue(text, valueStart)`). Returns the index after `}`.
 */
function eachMember(text: string, i: number, visit: (key: string, start: number) => number): number {
  i = skipSpace(text, i);
  if (text[i] !== "{") throw new SyntaxError("expected an object");
  i = skipSpace(text, i + 1);
  if (text[i] === "}") return i + 1;
  while (true) {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    i = skipSpace(text, i + 1); // past ':'
    i = skipSpace(text, visit(key, i));
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    return i + 1; // '}'
  }
}

/** Calls `visit(itemStart)` for each item of the array starting at `i`. */
function eachItem(text: string, i: number, visit: (start: number) => number): number {
  i = skipSpace(text, i);
  if (text[i] !== "[") throw new SyntaxError("expected an array");
  i = skipSpace(text, i + 1);
  if (text[i] === "]") return i + 1;
  while (true) {
    i = skipSpace(text, visit(i));
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    return i + 1;
  }
}

/** The raw texts of one search hit. */
export interface RawHit {
  /** The `_source` object's text, exactly as the server sent it. */
  source?: string;
  /** The `sort` array's text (longs intact). */
  sort?: string;
}

/** The raw `_source` and `sort` texts of `hits.hits[*]` in a search response, in order. */
export function rawHits(response: string): RawHit[] {
  const hits: RawHit[] = [];
  eachMember(response, 0, (key, start) => {
    if (key !== "hits") return skipValue(response, start);
    return eachMember(response, start, (inner, innerStart) => {
      if (inner !== "hits") return skipValue(response, innerStart);
      return eachItem(response, innerStart, (hitStart) => {
        const hit: RawHit = {};
        const end = eachMember(response, hitStart, (field, valueStart) => {
          const valueEnd = skipValue(response, valueStart);
          if (field === "_source") hit.source = response.slice(valueStart, valueEnd);
          else if (field === "sort") hit.sort = response.slice(valueStart, valueEnd);
          return valueEnd;
        });
        hits.push(hit);
        return end;
      });
    });
  });
  return hits;
}

/**
 * The raw text of the value at `path` (object keys and array indexes) inside the JSON `text`,
 * or `undefined` when the path does not exist.
 */
export function rawAt(text: string, path: ReadonlyArray<string | number>): string | undefined {
  let start = skipSpace(text, 0);
  for (const segment of path) {
    let found: number | undefined;
    const c = text[start];
    if (typeof segment === "string" && c === "{") {
      eachMember(text, start, (key, valueStart) => {
        if (key === segment && found === undefined) found = valueStart;
        return skipValue(text, valueStart);
      });
    } else if (typeof segment === "number" && c === "[") {
      let index = 0;
      eachItem(text, start, (itemStart) => {
        if (index++ === segment) found = itemStart;
        return skipValue(text, itemStart);
      });
    }
    if (found === undefined) return undefined;
    start = found;
  }
  return text.slice(start, skipValue(text, start));
}

/**
 * Splits a simple JSON path (`$.detail.version`, `detail.items[0]`, `$['detail-type']`) into
 * segments, or returns `undefined` for anything fancier (then the parsed value is used).
 */
export function simplePathSegments(path: string): Array<string | number> | undefined {
  let rest = path.trim();
  if (rest.startsWith("$")) rest = rest.slice(1);
  const segments: Array<string | number> = [];
  const pattern = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\])/;
  if (rest !== "" && !rest.startsWith(".") && !rest.startsWith("[")) rest = `.${rest}`;
  while (rest !== "") {
    const m = pattern.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push((m[3] ?? m[4])!);
    rest = rest.slice(m[0].length);
  }
  return segments;
}

/** Whether `text` is a JSON integer (possibly beyond 2^53). */
export function isIntegerText(text: string): boolean {
  return /^-?(0|[1-9]\d*)$/.test(text);
}
