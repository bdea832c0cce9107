import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyClasses, clock, headline, metricsTable, phaseBars, tableRows } from '../../cli/progress-view';
import type { ExperimentProgress } from '../../contracts/messages';
import type { IterationMetrics } from '../../contracts/metrics';

function row(iteration: number, accuracy: Record<string, [number, number]>): IterationMetrics {
  return {
    iteration,
    attempted: 100,
    kept: 40 + iteration,
    rationalized: 10 + iteration,
    trainExamples: 40 + iteration,
    totalSteps: 40 * iteration,
    checkpointUri: `file:///m/${iteration}`,
    accuracy: Object.fromEntries(
      Object.entries(accuracy).map(([c, [correct, total]]) => [c, { correct, total, accuracy: correct / total }]),
    ),
    overallAccuracy: 0.5,
    seconds: { generate: 60, train: 30, eval: 15 },
  };
}

function progress(overrides: Partial<ExperimentProgress>): ExperimentProgress {
  return {
    experiment: 'demo',
    iteration: 2,
    nIters: 4,
    phase: 'training',
    phaseProgress: { done: 0, total: 1 },
    stopRequested: false,
    metrics: [],
    ...overrides,
  };
}

void describe('the progress view', () => {
  void it('orders accuracy classes by digit count, numerically', () => {
    assert.deepEqual(accuracyClasses([row(1, { '10': [1, 2], '2': [1, 2], '1': [1, 2] })]), ['1', '2', '10']);
  });

  void it('prints a row per iteration with kept, rationalized, steps and accuracy per class', () => {
    const lines = metricsTable([row(1, { '1': [9, 10], '2': [1, 4] }), row(2, { '1': [10, 10], '2': [3, 4] })]);
    assert.equal(lines.length, 3);
    assert.match(lines[0], /iter\s+kept\s+rationalized\s+steps\s+1-digit\s+2-digit\s+overall\s+time/);
    assert.deepEqual(lines[1].trim().split(/\s+/), ['1', '41', '11', '40', '90.0%', '25.0%', '50.0%', '1:45']);
    assert.deepEqual(lines[2].trim().split(/\s+/), ['2', '42', '12', '80', '100.0%', '75.0%', '50.0%', '1:45']);
  });

  void it('lists the base model (iteration 0) first as the `base` row, with nothing kept or trained', () => {
    const base = { ...row(0, { '1': [5, 10], '2': [0, 4] }), kept: 0, rationalized: 0, totalSteps: 0, seconds: { eval: 12 } };
    const lines = metricsTable(tableRows({ base, metrics: [row(1, { '1': [9, 10], '2': [1, 4] })] }));
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[1].trim().split(/\s+/), ['base', '50.0%', '0.0%', '50.0%', '0:12']);
    assert.equal(lines[2].trim().split(/\s+/)[0], '1');
    assert.deepEqual(
      tableRows({ metrics: [row(1, {})] }).map((r) => r.iteration),
      [1],
      'no base row without a base eval',
    );
  });

  void it('shows the base eval while it runs, as its own bar and headline', () => {
    const running = progress({ iteration: 1, phase: 'evaluating-base', phaseProgress: { done: 1, total: 2 } });
    assert.equal(headline(running), 'demo: evaluating the base model (iteration 0)');
    const bars = phaseBars(running, undefined, 4);
    assert.match(bars[0], /^\s+base\s+██░░\s+50%\s+1\/2 shards/);
    assert.ok(
      bars.slice(1).every((line) => line.includes('0%')),
      'the iteration has not begun',
    );
    assert.ok(!phaseBars(progress({})).some((line) => line.trim().startsWith('base')), 'no base bar once iterations run');
  });

  void it('shows a dash for a class an iteration did not evaluate', () => {
    const lines = metricsTable([row(1, { '1': [1, 1] }), row(2, { '1': [1, 1], '2': [0, 1] })]);
    assert.equal(lines[1].trim().split(/\s+/)[5], '-');
  });

  void it('fills the bars of finished phases and the running one by its progress', () => {
    const bars = phaseBars(progress({ phase: 'training', totalSteps: 48 }), { done: 12, total: 48, text: 'step 12/48' }, 8);
    assert.deepEqual(
      bars.map((b) => b.trim().split(/\s+/).slice(0, 3)),
      [
        ['generate', '████████', '100%'],
        ['records', '████████', '100%'],
        ['config', '████████', '100%'],
        ['train', '██░░░░░░', '25%'],
        ['eval', '░░░░░░░░', '0%'],
      ],
    );
    assert.match(bars[2], /total_steps 48/);
    assert.match(bars[3], /step 12\/48/);
  });

  void it('shows the shards done while generating', () => {
    const bars = phaseBars(progress({ phase: 'generating', phaseProgress: { done: 1, total: 4 } }), undefined, 4);
    assert.match(bars[0], /generate\s+█░░░\s+25%\s+1\/4 shards/);
  });

  void it('says which iteration runs, of how many, and when a stop is pending', () => {
    assert.equal(
      headline(progress({ stopRequested: true })),
      'demo: iteration 2 of 3, training (stop requested: ends after this iteration)',
    );
    assert.equal(headline(progress({ phase: 'finished' }), 75), 'demo: finished  1:15');
    assert.equal(headline(progress({ phase: 'plateau' })), 'demo: stopped early after iteration 2: dev accuracy plateaued (earlyStop)');
    assert.ok(
      phaseBars(progress({ phase: 'plateau' })).every((line) => line.includes('100%')),
      'a plateaued run shows every phase done',
    );
  });

  void it('never names an iteration when nIters 1 runs only the base eval', () => {
    const only = (overrides: Partial<ExperimentProgress>) => headline(progress({ iteration: 1, nIters: 1, ...overrides }));
    assert.equal(only({ phase: 'preparing' }), 'demo: base eval only (nIters 1 runs no iteration), preparing');
    assert.equal(only({ phase: 'evaluating-base' }), 'demo: evaluating the base model (iteration 0)');
    assert.equal(only({ phase: 'finished' }), 'demo: finished');
  });

  void it('formats durations as m:ss and h:mm:ss', () => {
    assert.equal(clock(5), '0:05');
    assert.equal(clock(3725), '1:02:05');
  });
});
