/**
 * Experiments running at once in one worker process must train exactly as they do alone: two
 * experiments with the same input under different names, started together on a real dev server and
 * run by one `workers/main.ts` process with several activity slots, write final checkpoints whose
 * bytes equal each other's and a solo run's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExperimentResult, starExperiment } from '../../workflows/star-experiment';
import { startWorkerProcess, type WorkerProcess } from '../../test-support/processes';
import { startDevServer, workflowBundle } from '../../test-support/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

void describe('concurrent experiments in one worker process', { timeout: 600_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: WorkerProcess;
  let root: string;
  let baseModel: string;
  let baseConfig: string;
  const taskQueue = `concurrent-${randomUUID()}`;

  before(async () => {
    [env, baseModel] = await Promise.all([startDevServer(), tinyBaseModel()]);
    root = scratchDir('concurrent');
    baseConfig = writeBaseConfig(root);
    const bundlePath = join(root, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    worker = startWorkerProcess('worker', 'workers/main.ts', [], {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      STAR_TASK_QUEUE: taskQueue,
      STAR_WORKFLOW_BUNDLE: bundlePath,
      STAR_MAX_CONCURRENT_ACTIVITIES: '4',
    });
    await worker.waitFor(/star worker \S+ on /, 120_000);
  });
  after(async () => {
    await worker?.stop();
    await env?.teardown();
  });

  // Longer training than the other tests' (steps 12, 16), so the two trainings overlap for most of
  // their steps; one shard, so each experiment runs one activity at a time and both fit the slots.
  const input = (experiment: string) =>
    tinyExperiment(experiment, root, baseModel, baseConfig, { nIters: 3, shards: 1, startSteps: 12, addSteps: 4 });

  type Finished = Exclude<ExperimentResult, { outcome: 'dry-run' }>;
  const run = async (experiment: string): Promise<Finished> => {
    const result = await env.client.workflow.execute<typeof starExperiment>('starExperiment', {
      taskQueue,
      workflowId: experiment,
      args: [input(experiment)],
    });
    assert.equal(result.outcome, 'finished', `${experiment} finished`);
    return result as Finished;
  };

  /** The bytes of each iteration's final checkpoint (weights and Adam moments). */
  function checkpointBytes(result: Finished): string[] {
    return result.metrics.flatMap((row) =>
      ['weights.bin', 'optimizer.bin'].map((file) => readFileSync(join(new URL(row.checkpointUri).pathname, file)).toString('base64')),
    );
  }

  void it('gives each of two experiments started at once the bytes of a solo run', async () => {
    const solo = await run(`solo-${randomUUID().slice(0, 6)}`);
    const suffix = randomUUID().slice(0, 6);
    const [x1, x2] = await Promise.all([run(`x1-${suffix}`), run(`x2-${suffix}`)]);
    const strip = (r: Finished) =>
      r.metrics.map(({ kept, rationalized, accuracy, totalSteps }) => ({ kept, rationalized, accuracy, totalSteps }));
    assert.deepEqual(strip(x1), strip(solo), "x1 has the solo run's metrics");
    assert.deepEqual(strip(x2), strip(solo), "x2 has the solo run's metrics");
    const soloBytes = checkpointBytes(solo);
    assert.ok(
      checkpointBytes(x1).every((b, i) => b === soloBytes[i]),
      "x1's checkpoints are byte-identical to the solo run's",
    );
    assert.ok(
      checkpointBytes(x2).every((b, i) => b === soloBytes[i]),
      "x2's checkpoints are byte-identical to the solo run's",
    );
  });
});
