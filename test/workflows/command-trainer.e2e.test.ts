/**
 * The `command` trainer through the workflow: training runs as a command on a host worker (task queue
 * `star-host-{host}`) — here the embedded trainer's own command-line entry, so the checkpoint it
 * writes is real and the next iteration generates with it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normaliseRoot } from '../../storage';
import { trainerWorkdir } from '../../test-support/processes';
import { hostSettings } from '../../workers/host-worker';
import { iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, startHostWorker, uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

void describe('starExperiment with the command trainer', { timeout: 240_000 }, () => {
  const dir = scratchDir('command');
  // Like a trainer checkout: the host copies each iteration's index to data/{train_set} here.
  const workdir = trainerWorkdir('star-command-workdir-');
  const suite = devServerSuite({
    baseModel: true,
    alongside: ({ env }) =>
      startHostWorker(
        env,
        hostSettings({ host: `h0-${process.pid}`, workdir, killGraceSeconds: 5, stateDir: join(dir, 'host-state'), quiet: true }),
      ),
  });

  void it('trains each iteration on the host and generates the next with the checkpoint it wrote', async () => {
    const exp = uniqueExperiment('command');
    const hostName = `h0-${process.pid}`;
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [
        tinyExperiment(exp, join(dir, 'runs'), suite.baseModel, writeBaseConfig(dir), {
          shards: 1,
          trainer: 'command',
          hosts: [hostName],
          commandTemplate: `${process.execPath} --import tsx model/train-cli.ts --config {config} --tune-model-path {base_model}`,
        }),
      ],
    });
    const result = await handle.result();
    await captureHistories(suite.env, handle, 'command-trainer');
    assert.equal(result.outcome, 'finished');
    assert.deepEqual(
      result.metrics.map((m) => m.totalSteps),
      [4, 6],
    );
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
