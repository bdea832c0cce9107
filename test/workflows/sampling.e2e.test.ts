/**
 * Several samples per question and early stopping, end to end on a real Temporal dev server and the
 * embedded model: k = 2 with a cap, normalized dedup and the command verifier (the same kept text
 * for 1 and 2 shards), and earlyStop ending a run whose accuracy cannot rise by minDelta.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { countExamples } from '../../core/saved-text';
import { normaliseRoot } from '../../storage';
import { iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

const VERIFIER = join(__dirname, '..', 'fixtures', 'verifiers', 'arithmetic-answer.js');

void describe('several samples per question and early stop on a dev server', { timeout: 300_000 }, () => {
  const suite = devServerSuite({ baseModel: true });
  let root: string;
  let baseConfig: string;

  before(() => {
    root = scratchDir('sampling');
    baseConfig = writeBaseConfig(root);
  });

  void it('draws k = 2 samples, keeps up to 2 distinct correct ones judged by the verifier, the same for 1 and 2 shards', async () => {
    const sampling = {
      nIters: 2,
      rationalize: false,
      temperature: 1,
      samplesPerQuestion: 2,
      keepPerQuestion: 2,
      dedup: 'normalized' as const,
      verifier: 'command' as const,
      verifierCommand: `${JSON.stringify(process.execPath)} ${JSON.stringify(VERIFIER)}`,
    };
    const runs = await Promise.all(
      [2, 1].map(async (shards) => {
        const exp = uniqueExperiment(`k2-${shards}`);
        const result = await suite.env.client.workflow.execute(starExperiment, {
          taskQueue: suite.worker.taskQueue,
          workflowId: exp,
          args: [tinyExperiment(exp, root, suite.baseModel, baseConfig, { ...sampling, shards })],
        });
        return { exp, result };
      }),
    );
    const texts = runs.map(({ exp, result }) => {
      assert.equal(result.outcome, 'finished');
      const row = result.metrics[0];
      assert.ok(row);
      assert.equal(row.attempted, 12);
      assert.equal(row.samples, 24, '12 questions × 2 samples');
      assert.ok((row.correctSamples ?? 0) >= (row.questionsWithCorrect ?? 0));
      assert.ok((row.questionsWithCorrect ?? 0) > 0, 'the base model solves some 1-digit sums');
      assert.ok(row.kept >= (row.questionsWithCorrect ?? 0) && row.kept <= 2 * (row.questionsWithCorrect ?? 0));
      // Dedup acts per question; two questions with the same sum can still share a kept text.
      assert.ok((row.distinctKept ?? 0) > 0 && (row.distinctKept ?? 0) <= row.kept);
      const text = readFileSync(new URL(iterationLayout(normaliseRoot(root), exp, 1).keptText), 'utf8');
      assert.equal(countExamples(text), row.kept);
      return text;
    });
    assert.equal(texts[0], texts[1], 'the kept text does not depend on the shard count');
  });

  void it('ends a run with outcome plateau when dev accuracy does not improve by more than minDelta', async () => {
    const exp = uniqueExperiment('plateau');
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      // No accuracy can rise by more than 100 points: iteration 2 is a plateau of one iteration.
      args: [tinyExperiment(exp, root, suite.baseModel, baseConfig, { nIters: 5, shards: 1, earlyStop: { patience: 1, minDelta: 1 } })],
    });
    const result = await handle.result();
    await captureHistories(suite.env, handle, 'early-stop-plateau');
    assert.equal(result.outcome, 'plateau');
    if (result.outcome !== 'plateau') return;
    assert.equal(result.iterations, 2);
    assert.deepEqual(
      result.metrics.map((m) => m.iteration),
      [1, 2],
    );
  });
});
