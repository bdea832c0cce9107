import type { Example } from '../core/example';

/** The accuracy classes of a split, sorted as the metrics table sorts them. */
export function accuracyClasses(examples: readonly Example[]): string[] {
  return [...new Set(examples.map((e) => e.cls))].sort();
}
