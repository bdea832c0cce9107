/**
 * `star extend` with no worker running: the update is not refused, it waits on the server, and the
 * command must say so (not "failed, try again") — the next worker applies it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { progressQuery } from '../../contracts/messages';
import type { starExperiment } from '../../workflows/star-experiment';
import { createWorker } from '../../workers/experiment-worker';
import { uniqueExperiment, workflowBundle } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { runStar } from './run-star';

void describe('star extend while no worker runs the experiment', { timeout: 300_000 }, () => {
  const suite = devServerSuite({ baseModel: true, worker: false });

  void it('says the change is pending, and the next worker applies it', async () => {
    const root = scratchDir('extend');
    const experiment = uniqueExperiment('extend');
    const taskQueue = `extend-${randomUUID()}`;
    const handle = await suite.env.client.workflow.start<typeof starExperiment>('starExperiment', {
      taskQueue,
      workflowId: experiment,
      args: [tinyExperiment(experiment, root, suite.baseModel, writeBaseConfig(root), { nIters: 3, shards: 1 })],
    });
    const run = runStar(['extend', experiment, '5'], { TEMPORAL_ADDRESS: suite.env.address });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /nIters 5 was sent but no worker has answered .* so it is pending/);
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /try again/);

    const worker: Worker = await createWorker({
      connection: suite.env.nativeConnection,
      namespace: suite.env.namespace,
      taskQueue,
      workflowBundle: await workflowBundle(),
    });
    const running = worker.run();
    try {
      let nIters = 0;
      for (let tries = 0; nIters !== 5 && tries < 600; tries += 1) {
        nIters = (await handle.query(progressQuery)).nIters;
        if (nIters !== 5) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(nIters, 5, 'the worker applied the pending update');
    } finally {
      await handle.terminate('test done');
      worker.shutdown();
      await running;
    }
  });
});
