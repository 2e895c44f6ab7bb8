/**
 * "Did you mean …?" for every name a user types: flags, commands, plugin schemes, plugin
 * names, pipeline keys, plugin option keys, pattern operators. One shared rule so every
 * message suggests the same way.
 *
 * @module
 */

/**
 * Edit distance (Damerau–Levenshtein, optimal string alignment): insertions, deletions,
 * substitutions and swaps of two neighbours each cost 1, so `--form` is 1 from `--from`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `typed`, or undefined when none is close enough to be a typo
 * (distance at most a third of the longer name, and at least 1 allowed; case is ignored).
 * Ties keep the first candidate, so callers list the likeliest names first.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const lower = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === typed) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(lower.length, candidate.length) / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` when a candidate is close, else the empty string. */
export function didYouMean(typed: string, candidates: Iterable<string>, quote = '"'): string {
  const match = closest(typed, candidates);
  return match === undefined ? "" : ` (did you mean ${quote}${match}${quote}?)`;
}
