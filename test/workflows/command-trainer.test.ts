/**
 * The `command` trainer through the workflow: training runs as a command on a host worker (task queue
 * `star-host-{host}`) — here the embedded trainer's own command-line entry, so the checkpoint it
 * writes is real and the next iteration generates with it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { normaliseRoot } from '../../storage';
import { trainerWorkdir } from '../distributed/helpers/processes';
import { hostSettings } from '../../workers/host-worker';
import { iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, startDevServer, startHostWorker, startWorker, uniqueExperiment, type RunningWorker } from '../helpers/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from './fixtures/experiment-input';
import { tinyBaseModel } from './fixtures/tiny-model';


void describe('starExperiment with the command trainer', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let host: { stop(): Promise<void> };
  let baseModel: string;
  const dir = scratchDir('command');
  // Like a trainer checkout: the host copies each iteration's index to data/{train_set} here.
  const workdir = trainerWorkdir('star-command-workdir-');

  before(async () => {
    [env, baseModel] = await Promise.all([startDevServer(), tinyBaseModel()]);
    worker = await startWorker(env);
    const settings = hostSettings({ host: `h0-${process.pid}`, workdir, killGraceSeconds: 5, stateDir: join(dir, 'host-state'), quiet: true });
    host = await startHostWorker(env, settings);
  });
  after(async () => {
    await host?.stop();
    await worker?.stop();
    await env?.teardown();
  });

  void it('trains each iteration on the host and generates the next with the checkpoint it wrote', async () => {
    const exp = uniqueExperiment('command');
    const hostName = `h0-${process.pid}`;
    const handle = await env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: exp,
      args: [
        tinyExperiment(exp, join(dir, 'runs'), baseModel, writeBaseConfig(dir), {
          shards: 1,
          trainer: 'command',
          hosts: [hostName],
          commandTemplate: `${process.execPath} --import tsx model/train-cli.ts --config {config} --tune-model-path {base_model}`,
        }),
      ],
    });
    const result = await handle.result();
    await captureHistories(env, handle, 'command-trainer');
    assert.equal(result.outcome, 'finished');
    assert.deepEqual(result.metrics.map((m) => m.totalSteps), [4, 6]);
    const root = normaliseRoot(join(dir, 'runs'));
    for (const row of result.metrics) {
      const it = iterationLayout(root, exp, row.iteration);
      assert.equal(row.checkpointUri, `${it.modelDir}/step_${row.totalSteps}`);
      assert.ok(existsSync(join(new URL(row.checkpointUri).pathname, 'manifest.json')), 'the host trainer wrote the final checkpoint');
      assert.ok(existsSync(join(new URL(it.work).pathname, 'train', `${hostName}.log`)), 'the host log is in the store');
      const config = JSON.parse(readFileSync(new URL(it.config), 'utf8')) as Record<string, unknown>;
      assert.equal(config.model_dir, it.modelDir);
      assert.equal(config.bucket, '');
      assert.equal(
        readFileSync(join(workdir, 'data', it.trainSet), 'utf8'),
        readFileSync(new URL(it.index), 'utf8'),
        'the host copied the index to data/{train_set} of its working directory',
      );
    }
  });
});
