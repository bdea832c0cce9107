import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { logLine } from '../../activities/record-metrics';
import type { IterationMetrics } from '../../contracts/metrics';
import { scratchDir } from '../../test-support/experiment-input';

const row: IterationMetrics = {
  iteration: 1,
  attempted: 4,
  kept: 2,
  rationalized: 1,
  trainExamples: 2,
  totalSteps: 40,
  checkpointUri: 'runs/e/models/e_1/step_40',
  accuracy: { commonsenseqa: { correct: 1, total: 2, accuracy: 0.5 }, commonsenseqa_r: { correct: 1, total: 1, accuracy: 1 } },
  overallAccuracy: 0.5,
  seconds: {},
};

void describe('result log', () => {
  void it("names commonsenseqa's classes cqa and cqa_r, as the reference's result log does", async () => {
    const root = scratchDir('result-log');
    const logUri = join(root, 'result_logs', 'e.txt');
    await createActivities().recordMetrics({ metricsUri: join(root, 'metrics', 'e_1.json'), row, logUri });
    const line = readFileSync(logUri, 'utf8');
    assert.match(line, /accuracy: cqa=50\.0% \(1\/2\) cqa_r=100\.0% \(1\/1\) /);
    assert.doesNotMatch(line, /commonsenseqa/);
  });

  void it('keeps gsm and arithmetic class names as they are', () => {
    const accuracy = { gsm: { correct: 0, total: 1, accuracy: 0 }, '3': { correct: 1, total: 1, accuracy: 1 } };
    assert.match(logLine({ ...row, accuracy }), /accuracy: 3=100\.0% \(1\/1\) gsm=0\.0% \(0\/1\) /);
  });

  void it('adds the sampling counts only when more than one sample per question was drawn', () => {
    const k1 = logLine({ ...row, samples: 4, correctSamples: 1, questionsWithCorrect: 1, distinctKept: 2 });
    assert.equal(k1, logLine(row));
    assert.doesNotMatch(k1, /samples=/);
    const k4 = logLine({ ...row, samples: 16, correctSamples: 5, questionsWithCorrect: 3, distinctKept: 2 });
    assert.match(k4, /rationalized=1 samples=16 correct_samples=5 pass_at_k=3\/4 distinct_kept=2 train_examples=2 /);
  });
});
