/**
 * Orders two JSON values for `sortBy`: missing (`undefined`/`null`) first, then booleans, then
 * numbers (numerically), then strings (by UTF-16 code units, which sorts ISO-8601 times of one
 * format chronologically), then anything else by its JSON text. Numbers kept exact as strings
 * (beyond double precision) compare as strings.
 */
export function compareJsonValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    case 2:
      return (a as number) - (b as number);
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    default: {
      const ta = JSON.stringify(a);
      const tb = JSON.stringify(b);
      return ta === tb ? 0 : ta < tb ? -1 : 1;
    }
  }
}

function rank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "boolean") return 1;
  if (typeof value === "number") return 2;
  if (typeof value === "string") return 3;
  return 4;
}
