/**
 * Early stopping on a plateau: the run ends after the iteration in which overall dev accuracy has not
 * improved on the best so far by more than `minDelta` for `patience` iterations in a row.
 */

export interface EarlyStopSettings {
  patience: number;
  minDelta: number;
}

/** Iterations since the last improvement by more than `minDelta` (the first evaluated one sets the bar). */
export function iterationsWithoutImprovement(accuracies: readonly (number | undefined)[], minDelta: number): number {
  let best: number | undefined;
  let since = 0;
  for (const accuracy of accuracies) {
    if (accuracy === undefined) continue;
    if (best === undefined || accuracy > best + minDelta) {
      best = best === undefined ? accuracy : Math.max(best, accuracy);
      since = 0;
    } else {
      since += 1;
    }
  }
  return since;
}

/** Whether the run has reached a plateau after the last of `accuracies`. */
export function reachedPlateau(accuracies: readonly (number | undefined)[], settings: EarlyStopSettings): boolean {
  return iterationsWithoutImprovement(accuracies, settings.minDelta) >= settings.patience;
}
