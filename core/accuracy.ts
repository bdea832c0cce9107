/** Correct/total per accuracy class; rationalized attempts count under `{class}_r`. */
export interface ClassCount {
  correct: number;
  total: number;
}
export type ClassCounts = Record<string, ClassCount>;

/** The class rationalized (hinted) attempts are counted under. */
export function rationalizedClass(cls: string): string {
  return `${cls}_r`;
}

export function addCount(counts: ClassCounts, cls: string, correct: boolean): void {
  const entry = (counts[cls] ??= { correct: 0, total: 0 });
  entry.total += 1;
  if (correct) entry.correct += 1;
}

/** Sums counts; keys come out sorted so merged results do not depend on part order. */
export function mergeCounts(parts: readonly ClassCounts[]): ClassCounts {
  const sum: ClassCounts = {};
  for (const part of parts) {
    for (const [cls, count] of Object.entries(part)) {
      const entry = (sum[cls] ??= { correct: 0, total: 0 });
      entry.correct += count.correct;
      entry.total += count.total;
    }
  }
  return Object.fromEntries(
    Object.keys(sum)
      .sort()
      .map((cls) => [cls, sum[cls] as ClassCount]),
  );
}
