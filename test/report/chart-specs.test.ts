import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracyChart, reportCharts } from '../../report/chart-specs';
import type { ReportData } from '../../report/collect';
import type { MetricsRow } from '../../report/schemas';

function row(iteration: number, perClass: Record<string, number>): MetricsRow {
  const accuracy = Object.fromEntries(Object.entries(perClass).map(([cls, a]) => [cls, { correct: a * 100, total: 100, accuracy: a }]));
  const values = Object.values(perClass);
  return {
    iteration,
    accuracy,
    overallAccuracy: values.reduce((x, y) => x + y, 0) / values.length,
    attempted: 10,
    kept: 5,
    rationalized: 2,
    totalSteps: 4,
    seconds: { train: 1 },
  };
}

function data(base: MetricsRow | undefined, rows: MetricsRow[]): ReportData {
  return {
    experiment: 'e',
    dir: 'file:///e',
    base,
    iterations: rows.map((m) => ({ iteration: m.iteration, metrics: m, loss: [] })),
    collectedAt: new Date(0),
  };
}

const points = (chart: ReturnType<typeof accuracyChart>) =>
  (chart?.spec as { data: { values: { iteration: number; series: string }[] } }).data.values;

void describe('the accuracy chart', () => {
  void it('starts at iteration 0 when the base model was evaluated, one line per digit count plus overall', () => {
    const chart = accuracyChart(data(row(0, { '1': 0.9, '2': 0.5 }), [row(1, { '1': 1, '2': 0.7 })]));
    assert.equal(chart?.title, 'Dev accuracy per class');
    assert.deepEqual(
      points(chart).map((p) => [p.iteration, p.series]),
      [
        [0, '1-digit'],
        [0, '2-digit'],
        [0, 'overall'],
        [1, '1-digit'],
        [1, '2-digit'],
        [1, 'overall'],
      ],
    );
  });

  void it('starts at iteration 1 without iteration-0 metrics, and shows only overall for a one-class task', () => {
    const chart = accuracyChart(data(undefined, [row(1, { commonsenseqa: 0.6 }), row(2, { commonsenseqa: 0.65 })]));
    assert.equal(chart?.title, 'Dev accuracy');
    assert.deepEqual(
      points(chart).map((p) => [p.iteration, p.series]),
      [
        [1, 'overall'],
        [2, 'overall'],
      ],
    );
  });

  void it('leaves out charts with nothing to plot yet', () => {
    assert.deepEqual(
      reportCharts(data(undefined, [])).map((c) => c.id),
      [],
    );
  });
});
