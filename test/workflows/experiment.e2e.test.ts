/**
 * starExperiment end to end on a real Temporal dev server and the embedded model: two STaR
 * iterations with rationalization, checked by what they wrote.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readRecordsIndex } from '../../dataset-files/records';
import { countExamples } from '../../core/saved-text';
import { normaliseRoot } from '../../storage';
import { experimentLayout, iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

void describe('starExperiment on a dev server', { timeout: 240_000 }, () => {
  const suite = devServerSuite({ baseModel: true });
  let root: string;
  let baseConfig: string;

  before(() => {
    root = scratchDir('e2e');
    baseConfig = writeBaseConfig(root);
  });

  void it('runs two iterations with rationalization and writes records, grown configs, checkpoints and metrics', async () => {
    const exp = uniqueExperiment('e2e');
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [tinyExperiment(exp, root, suite.baseModel, baseConfig)],
    });
    const result = await handle.result();
    await captureHistories(suite.env, handle, 'two-iterations');

    assert.equal(result.outcome, 'finished');
    assert.equal(result.iterations, 2);
    assert.deepEqual(
      result.metrics.map((m) => m.iteration),
      [1, 2],
    );
    assert.deepEqual(
      result.metrics.map((m) => m.totalSteps),
      [4, 6],
    );

    const rootUri = normaliseRoot(root);
    for (const row of result.metrics) {
      const it = iterationLayout(rootUri, exp, row.iteration);
      const path = (uri: string) => new URL(uri).pathname;
      assert.ok(row.kept > 0, `iteration ${row.iteration} kept nothing`);
      assert.equal(row.attempted, 12);
      assert.equal(countExamples(readFileSync(path(it.keptText), 'utf8')), row.kept);

      const chunks = await readRecordsIndex(it.index);
      assert.ok(chunks.length > 0, 'the records are empty');
      for (const chunk of chunks) assert.equal(chunk.length, 49, 'chunks are seq + 1 tokens of the model that trains');

      const config = JSON.parse(readFileSync(path(it.config), 'utf8')) as Record<string, unknown>;
      assert.equal(config.total_steps, row.totalSteps);
      assert.equal(config.name, `${exp}_${row.iteration}`);
      assert.equal(config.train_set, it.index);
      assert.equal(config.target_save, it.nextKeptText);
      assert.equal(config.lr, 0.001, 'the config copies the previous one');

      assert.equal(row.checkpointUri, `${it.modelDir}/step_${row.totalSteps}`);
      assert.ok(existsSync(join(path(row.checkpointUri), 'manifest.json')));
      assert.ok(row.accuracy && Object.keys(row.accuracy).includes('1'), 'dev accuracy per digit count');
      assert.equal(row.accuracy?.['1']?.total, 12);
      assert.ok(existsSync(path(it.generateShard(0, 2))) && existsSync(path(it.generateShard(1, 2))), 'two generation shards');
      assert.ok(existsSync(path(it.metrics)));
    }
    const log = readFileSync(new URL(experimentLayout(rootUri, exp).resultLog), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(
      log.map((line) => line.split(':')[0]),
      ['iteration 1', 'iteration 2'],
    );
    assert.match(log[0] ?? '', /kept=\d+ rationalized=\d+ .*total_steps=4 .*accuracy: 1=/);
    // Iteration 2 generated with iteration 1's model, and both trained from the base model.
    const secondConfig = JSON.parse(readFileSync(new URL(iterationLayout(rootUri, exp, 2).config).pathname, 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(secondConfig.model_dir, iterationLayout(rootUri, exp, 2).modelDir);
  });

  void it("keeps the finished iterations' metrics, times included, when the experiment is continued with a higher nIters", async () => {
    const exp = uniqueExperiment('continued');
    const input = tinyExperiment(exp, root, suite.baseModel, baseConfig, { nIters: 2, shards: 1 });
    const first = await suite.env.client.workflow.execute(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [input],
    });
    assert.equal(first.outcome, 'finished');
    const metricsUri = iterationLayout(normaliseRoot(root), exp, 1).metrics;
    const storedRow = readFileSync(new URL(metricsUri), 'utf8');

    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [{ ...input, nIters: 3 }],
    });
    const continued = await handle.result();
    await captureHistories(suite.env, handle, 'continued-experiment');
    assert.equal(continued.outcome, 'finished');
    assert.deepEqual(
      continued.metrics.map((m) => m.iteration),
      [1, 2],
    );
    assert.deepEqual(continued.metrics[0], first.metrics[0], "iteration 1's row, its seconds included, is the first run's");
    assert.equal(readFileSync(new URL(metricsUri), 'utf8'), storedRow, 'metrics/{exp}_1.json is kept as it was');
  });
});
