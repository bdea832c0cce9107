/**
 * The valid names closest to a mistyped one, for "did you mean" messages. Names are compared with
 * case, `_` and `-` ignored first, so a reference user's `n_iters` finds `nIters` at distance 0.
 */
export function closestNames(wrong: string, valid: readonly string[], max = 3): string[] {
  const target = normalise(wrong);
  const scored = valid.map((name) => {
    const candidate = normalise(name);
    const distance = editDistance(target, candidate);
    // A name that contains the typed word (or the other way round) is a good guess even if long.
    const contains = candidate.includes(target) || target.includes(candidate);
    return { name, score: contains ? Math.min(distance, 1) : distance };
  });
  const limit = Math.max(2, Math.floor(target.length / 3));
  return scored
    .filter((s) => s.score <= limit)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance (insert, delete, substitute cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length];
}
