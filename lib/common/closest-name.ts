/**
 * "Did you mean ...?" for names: the edit distance between two names, ignoring case, and the
 * closest of a list of names within a cut-off, so that only a likely typo is suggested.
 */

/**
 * The restricted Damerau-Levenshtein (optimal string alignment) distance between `a` and `b`,
 * ignoring case: how many insertions, deletions, substitutions and swaps of two neighbouring
 * characters turn one into the other.
 */
export function editDistance(a: string, b: string): number {
  const s = [...a.toLowerCase()];
  const t = [...b.toLowerCase()];
  // Three rows of the dynamic-programming table: two back (for swaps), one back, this one.
  let before: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[t.length];
}

/**
 * The largest distance at which `a` and `b` still read as a typo of each other: one edit per
 * four characters of the shorter name, at least 1 and at most 3, and always fewer edits than it
 * has characters (`dev` and `qa` are unrelated; `office-hour` and `office-hours` are not).
 */
export function typoDistance(a: string, b: string): number {
  const shorter = Math.min([...a].length, [...b].length);
  return Math.min(shorter - 1, Math.max(1, Math.min(3, Math.floor(shorter / 4))));
}

/**
 * The name of `candidates` closest to `name` (the first of equally close ones), if it is within
 * the typo distance; never `name` itself. A name that differs only in case is the closest of all
 * (distance 0): tag values are case-sensitive.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(name, candidate);
    if (distance > typoDistance(name, candidate)) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}
