import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { trackedMetrics, trackedParams } from '../../tracking/sync';

const trackingOf = (tracking: unknown) => {
  const parsed = parseExperimentInput({ experiment: 'e', task: 'arithmetic', tracking });
  return parsed.ok ? parsed.options.tracking : parsed.message;
};

void describe('the tracking option', () => {
  void it('is off by default and with none', () => {
    const parsed = parseExperimentInput({ experiment: 'e', task: 'arithmetic' });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.options.tracking, []);
    assert.deepEqual(trackingOf('none'), []);
  });
  void it('takes one tracker, a comma-separated list (as --set gives it) or a list', () => {
    assert.deepEqual(trackingOf('mlflow'), ['mlflow']);
    assert.deepEqual(trackingOf('mlflow, wandb'), ['mlflow', 'wandb']);
    assert.deepEqual(trackingOf(['wandb']), ['wandb']);
  });
  void it('refuses an unknown tracker and a tracker named twice, naming the option', () => {
    assert.match(String(trackingOf('tensorboard')), /one of mlflow, wandb \(or none\) \(got "tensorboard"\)\n.*at tracking/);
    assert.match(String(trackingOf(['mlflow', 'mlflow'])), /name each tracker once.*\n.*at tracking/);
  });
});

void describe('what a tracker is given', () => {
  void it('a metrics row: dev accuracy overall and per class, generation, training and seconds per phase', () => {
    const metrics = trackedMetrics({
      iteration: 2,
      attempted: 40,
      kept: 30,
      rationalized: 5,
      samples: 40,
      correctSamples: 25,
      questionsWithCorrect: 25,
      trainExamples: 30,
      totalSteps: 12,
      loss: 0.5,
      accuracy: { '1': { correct: 3, total: 4, accuracy: 0.75 } },
      overallAccuracy: 0.75,
      seconds: { generate: 3, train: 4 },
    });
    assert.deepEqual(metrics, {
      'dev/accuracy': 0.75,
      'dev/accuracy/1': 0.75,
      'generation/attempted': 40,
      'generation/kept': 30,
      'generation/rationalized': 5,
      'generation/samples': 40,
      'generation/correct_samples': 25,
      'generation/pass_at_k': 0.625,
      'train/steps': 12,
      'train/examples': 30,
      'train/final_loss': 0.5,
      'seconds/generate': 3,
      'seconds/train': 4,
    });
  });
  void it('the base row (iteration 0): its accuracy and eval time, no generation or training zeros', () => {
    const metrics = trackedMetrics({ iteration: 0, attempted: 0, kept: 0, accuracy: {}, overallAccuracy: 0.4, seconds: { eval: 2 } });
    assert.deepEqual(metrics, { 'dev/accuracy': 0.4, 'seconds/eval': 2 });
  });
  void it('the options as flat params: nested settings dotted, lists as JSON', () => {
    assert.deepEqual(
      trackedParams({ nIters: 3, task: 'arithmetic', arithmetic: { trainDigits: [1, 2] }, earlyStop: undefined, hosts: [] }),
      {
        nIters: '3',
        task: 'arithmetic',
        'arithmetic.trainDigits': '[1,2]',
        hosts: '[]',
      },
    );
  });
});
