/**
 * "Did you mean …?" for misspelt keys, metric names and values: the closest known word
 * by edit distance (with swapped letters counting as one edit), when it is close enough
 * to be a plausible typo rather than a different word.
 */

/** Optimal-string-alignment distance: insertions, deletions, substitutions, transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

const fold = (s: string): string => s.toLowerCase().replace(/[\s-]+/g, "_");

/**
 * The known word nearest to `word`, or undefined when none is near. Case, dashes and
 * spaces are ignored; a word that starts a known one (`attendance` → `attendance_rate`)
 * also counts as near.
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const w = fold(word);
  if (w === "") return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = fold(candidate);
    if (c === w) return candidate;
    const distance = editDistance(w, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.min(w.length, 12) / 3))) {
    return best;
  }
  if (w.length >= 4) return known.find((k) => fold(k).startsWith(w));
  return undefined;
}

/** "did you mean X?" or, when nothing is near, the list of what is allowed. */
export function suggestion(word: string, known: readonly string[], what = "expected"): string {
  const near = nearest(word, known);
  return near !== undefined ? `did you mean ${near}?` : `${what}: ${known.join(", ")}`;
}
