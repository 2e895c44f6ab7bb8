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
  // Jump from quote to quote: a quote ends the string unless an odd run of backslashes escapes it.
  let at = i + 1;
  while (true) {
    const quote = text.indexOf('"', at);
    if (quote < 0) throw new SyntaxError("unterminated string");
    let backslashes = 0;
    for (let k = quote - 1; k > i && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** A whole string, or a bracket: what matters inside an object or array (strings skipped natively). */
const STRUCTURAL = /"(?:[^"\\]|\\.)*"|[{}[\]]/g;

/** Index just after the value starting at (or after whitespace from) `i`. */
export function skipValue(text: string, i: number): number {
  i = skipSpace(text, i);
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    STRUCTURAL.lastIndex = i;
    while (true) {
      const match = STRUCTURAL.exec(text);
      if (!match) throw new SyntaxError("unterminated object or array");
      const d = match[0];
      if (d.length > 1 || d === '"') continue; // a string
      if (d === "{" || d === "[") depth++;
      else if (--depth === 0) return match.index + 1;
    }
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
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes("\\") ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
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
  /** `_index`, `_id` (parsed: short strings). */
  index?: string;
  id?: string;
  /** The `_source` object's text, exactly as the server sent it. */
  source?: string;
  /** The `sort` array's text (longs intact). */
  sort?: string;
}

/** A search response taken apart without parsing the documents twice. */
export interface RawSearch {
  hits: RawHit[];
  /** The top-level members other than `hits`, parsed (`pit_id`, `_shards`, `timed_out`, ...). */
  meta: Record<string, unknown>;
}

/**
 * Splits a search response: each hit's `_index`, `_id`, raw `_source` and raw `sort`, and the
 * other top-level members parsed. One pass over the text; the documents are not parsed here.
 */
export function rawSearch(response: string): RawSearch {
  const hits: RawHit[] = [];
  const meta: Record<string, unknown> = {};
  eachMember(response, 0, (key, start) => {
    if (key !== "hits") {
      const end = skipValue(response, start);
      meta[key] = JSON.parse(response.slice(start, end));
      return end;
    }
    return eachMember(response, start, (inner, innerStart) => {
      if (inner !== "hits") return skipValue(response, innerStart);
      return eachItem(response, innerStart, (hitStart) => {
        const hit: RawHit = {};
        const end = eachMember(response, hitStart, (field, valueStart) => {
          const valueEnd = skipValue(response, valueStart);
          if (field === "_source") hit.source = response.slice(valueStart, valueEnd);
          else if (field === "sort") hit.sort = response.slice(valueStart, valueEnd);
          else if (field === "_index" || field === "_id")
            hit[field === "_id" ? "id" : "index"] = JSON.parse(response.slice(valueStart, valueEnd));
          return valueEnd;
        });
        hits.push(hit);
        return end;
      });
    });
  });
  return { hits, meta };
}

/** One hit of {@link splitSearch}: raw texts and the parsed `_source`. */
export interface SplitHit {
  index: string;
  id: string;
  source: string;
  sort: string;
  /** `_source` parsed (what `JSON.parse(source)` gives). */
  value: unknown;
}

/**
 * A search response's hits with their exact `_source` and `sort` texts, and the other top-level
 * members. Fast path: `JSON.parse` the response once and confirm that each hit's re-serialised
 * `_source`/`sort` is, byte for byte, the text at its place (true for compact sources without
 * longs beyond 2^53 or unusual escapes). Any mismatch falls back to {@link rawSearch}, the scan
 * that never relies on that; the texts are exact either way.
 */
export function splitSearch(response: string): { hits: SplitHit[]; meta: Record<string, unknown> } {
  const parsed = JSON.parse(response) as {
    hits?: { hits?: Array<{ _index: string; _id: string; _source?: unknown; sort?: unknown[] }> };
  } & Record<string, unknown>;
  const { hits: _ignored, ...meta } = parsed;
  const list = parsed.hits?.hits ?? [];
  const out: SplitHit[] = [];
  let cursor = 0;
  for (const hit of list) {
    const source = JSON.stringify(hit._source);
    const sort = JSON.stringify(hit.sort);
    const sourceAt = response.indexOf('"_source":', cursor);
    if (hit._source === undefined || hit.sort === undefined || sourceAt < 0) return slowSplit(response, meta);
    const start = sourceAt + 10;
    if (!response.startsWith(source, start)) return slowSplit(response, meta);
    const sortAt = response.indexOf('"sort":', start + source.length);
    if (sortAt < 0 || !response.startsWith(sort, sortAt + 7)) return slowSplit(response, meta);
    cursor = sortAt + 7 + sort.length;
    out.push({ index: hit._index, id: hit._id, source, sort, value: hit._source });
  }
  return { hits: out, meta };
}

function slowSplit(
  response: string,
  meta: Record<string, unknown>,
): { hits: SplitHit[]; meta: Record<string, unknown> } {
  const hits = rawSearch(response).hits.map((hit) => {
    if (hit.source === undefined || hit.sort === undefined) {
      throw new SyntaxError(`${hit.index}/${hit.id}: the hit has no _source or sort values`);
    }
    return {
      index: hit.index ?? "",
      id: hit.id ?? "",
      source: hit.source,
      sort: hit.sort,
      value: JSON.parse(hit.source),
    };
  });
  return { hits, meta };
}

/** The raw `_source` and `sort` texts of `hits.hits[*]` in a search response, in order. */
export function rawHits(response: string): RawHit[] {
  return rawSearch(response).hits.map(({ source, sort }) => ({
    ...(source !== undefined && { source }),
    ...(sort !== undefined && { sort }),
  }));
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
