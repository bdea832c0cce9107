/** How the report says the loop ended, from the store alone (report/page.ts `ending`). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IterationReport, ReportData } from '../../report/collect';
import { ending } from '../../report/page';
import type { MetricsRow } from '../../report/schemas';

function data(accuracies: (number | undefined)[], extra: Partial<ReportData> = {}): ReportData {
  const iterations: IterationReport[] = accuracies.map((overallAccuracy, k) => ({
    iteration: k + 1,
    metrics: overallAccuracy === undefined ? undefined : ({ iteration: k + 1, overallAccuracy } as MetricsRow),
    loss: [],
  }));
  return { experiment: 'e', dir: '/x/e', nIters: 6, iterations, collectedAt: new Date(0), ...extra };
}

void describe('the ending the report states', () => {
  void it('says every planned iteration ran (nIters N plans N - 1)', () => {
    assert.equal(ending(data([0.4, 0.5, 0.6, 0.7, 0.8])), ' (all planned iterations)');
  });

  void it('says the run stopped early when the early-stop rule holds after the last finished iteration', () => {
    const text = ending(data([0.4, 0.6, 0.6, 0.61], { earlyStop: { patience: 2, minDelta: 0.02 } }));
    assert.equal(text, ' (stopped early: overall dev accuracy did not improve by more than 0.02 for 2 iterations)');
  });

  void it('says nothing while iterations remain and the rule does not hold, or one is running', () => {
    assert.equal(ending(data([0.4, 0.6, 0.7], { earlyStop: { patience: 2, minDelta: 0 } })), '');
    assert.equal(ending(data([0.4, 0.4, 0.4])), '', 'no rule: a shorter run is only unfinished');
    assert.equal(ending(data([0.4, 0.4, 0.4, undefined], { earlyStop: { patience: 1, minDelta: 0 } })), '', 'iteration 4 is running');
  });
});
