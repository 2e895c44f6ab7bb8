/**
 * The search query of a read: the time range (`--since/--until` and the options), the query of
 * the pipeline file, and the pattern pushdown, ANDed in one `bool.filter`.
 *
 * Pushdown can only narrow the read to a superset of what matches (the engine still applies
 * the full pattern): only the exact string values of plain fields become `terms` filters, and
 * only on fields mapped as `keyword` (directly, or through a `.keyword` subfield whose
 * `ignore_above` admits every value), in every index the read covers. Anything else (`prefix`,
 * `anything-but`, numbers, `null`, `$or`) is left to the engine.
 *
 * @module
 */

/** A `terms` filter the pattern allows, before the mapping is checked. */
export interface PushdownCandidate {
  /** The field's dotted path in the documents (`detail-type`, `detail.status`). */
  field: string;
  values: string[];
}

/**
 * The exact string values of a pattern's plain fields. `{"source":["a","b"],"detail":{"s":["x"]}}`
 * gives `source ∈ {a,b}` and `detail.s ∈ {x}`. A field whose list holds anything but strings
 * (numbers, `null`, operators such as `{"prefix":...}`) gives nothing.
 */
export function pushdownCandidates(pattern: unknown): PushdownCandidate[] {
  if (pattern === null || typeof pattern !== "object" || Array.isArray(pattern)) return [];
  // `$or` (several patterns, or an OR inside one): a filter per branch would be needed; left out.
  if ("$or" in pattern) return [];
  const out: PushdownCandidate[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("$")) continue;
      const field = prefix ? `${prefix}.${key}` : key;
      if (Array.isArray(value)) {
        if (value.length > 0 && value.every((v) => typeof v === "string"))
          out.push({ field, values: value as string[] });
      } else if (value !== null && typeof value === "object") {
        walk(value as Record<string, unknown>, field);
      }
    }
  };
  walk(pattern as Record<string, unknown>, "");
  return out;
}

/** What `GET <index>/_mapping/field/<fields>` says of one field in one index. */
export interface FieldMapping {
  type?: string;
  ignore_above?: number;
}

/**
 * Chooses, for a candidate, the keyword field to filter on, given the field's mapping in every
 * index read (`mappings[index][fullName]`), or `undefined` when pushdown is not sound.
 */
export function keywordFieldFor(
  candidate: PushdownCandidate,
  mappings: ReadonlyArray<Record<string, FieldMapping | undefined>>,
): string | undefined {
  if (mappings.length === 0) return undefined;
  const longest = Math.max(...candidate.values.map((v) => v.length));
  for (const name of [candidate.field, `${candidate.field}.keyword`]) {
    const ok = mappings.every((fields) => {
      const mapping = fields[name];
      if (mapping?.type !== "keyword") return false;
      // A value longer than ignore_above is not indexed: a matching document would be missed.
      return mapping.ignore_above === undefined || longest <= mapping.ignore_above;
    });
    if (ok) return name;
  }
  return undefined;
}

/** Builds the read's query. */
export function selectionQuery(options: {
  timeField: string;
  since?: string[];
  until?: string[];
  query?: unknown;
  terms?: Array<{ field: string; values: string[] }>;
}): Record<string, unknown> {
  const filter: unknown[] = [];
  const since = latest(options.since);
  const until = earliest(options.until);
  if (since !== undefined || until !== undefined) {
    const range: Record<string, string> = {};
    if (since !== undefined) range.gte = since;
    if (until !== undefined) range.lt = until;
    filter.push({ range: { [options.timeField]: range } });
  }
  if (options.query !== undefined) filter.push(options.query);
  for (const term of options.terms ?? []) filter.push({ terms: { [term.field]: term.values } });
  return filter.length === 0 ? { match_all: {} } : { bool: { filter } };
}

function latest(values: string[] | undefined): string | undefined {
  const given = (values ?? []).filter((v) => v !== undefined);
  if (given.length === 0) return undefined;
  return given.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

function earliest(values: string[] | undefined): string | undefined {
  const given = (values ?? []).filter((v) => v !== undefined);
  if (given.length === 0) return undefined;
  return given.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
}
