/**
 * Which correct rationales of one question are kept when several samples are drawn: duplicates are
 * dropped (by exact text, or after normalising whitespace and number formatting), then the first
 * `keepPerQuestion` remain. Order is the sample order (plain samples by index, then hinted ones), so
 * the choice is deterministic.
 */

export const DEDUP_MODES = ['none', 'exact', 'normalized'] as const;
export type DedupMode = (typeof DEDUP_MODES)[number];

/**
 * The text two rationales are compared by under `normalized`: runs of whitespace become one space,
 * ends are trimmed, thousands separators go (`1,234` → `1234`), and trailing decimal zeros go
 * (`5.50` → `5.5`, `7.0` → `7`). Only the comparison uses it; the kept text is the sample's own.
 */
export function normalizeRationale(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\d{1,3}(?:,\d{3})+(?!\d)/g, (n) => n.replace(/,/g, ''))
    .replace(/(\d+)\.(\d*?)0+(?!\d)/g, (_m, whole: string, frac: string) => (frac === '' ? whole : `${whole}.${frac}`));
}

/** The key duplicates share, or undefined when nothing counts as a duplicate. */
export function dedupKey(text: string, mode: DedupMode): string | undefined {
  if (mode === 'none') return undefined;
  return mode === 'exact' ? text : normalizeRationale(text);
}

/**
 * The candidates kept for one question: in order, skipping duplicates of an earlier one, at most `cap`.
 * Returns the kept ones and how many were dropped as duplicates.
 */
export function keepDistinct<T extends { text: string }>(
  candidates: readonly T[],
  mode: DedupMode,
  cap: number,
): { kept: T[]; duplicates: number } {
  const seen = new Set<string>();
  const kept: T[] = [];
  let duplicates = 0;
  for (const candidate of candidates) {
    if (kept.length >= cap) break;
    const key = dedupKey(candidate.text, mode);
    if (key !== undefined) {
      if (seen.has(key)) {
        duplicates += 1;
        continue;
      }
      seen.add(key);
    }
    kept.push(candidate);
  }
  return { kept, duplicates };
}
