/**
 * A whole experiment with `trainer: "command"`: the real `starExperiment` on a dev server, its
 * activities in this process's worker, training on two host worker processes that run the embedded
 * trainer's command line, everything on gs:// (the GCS emulator). The eval pass then samples from the
 * checkpoint the hosts wrote, so it must be a real, loadable model.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { readManifest } from '../../model';
import { joinUri, readText } from '../../storage';
import { iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { gcsSkipReason, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';
import { startDevServer, startWorker, type RunningWorker } from '../../test-support/temporal';
import { tinyExperiment } from '../../test-support/experiment-input';
import { uploadTinyBase } from './helpers/bucket-fixtures';
import { startWorkerProcess, trainerWorkdir, type WorkerProcess } from '../../test-support/processes';

void describe('an experiment with the command trainer on two hosts', { timeout: 600_000, skip: gcsSkipReason() }, () => {
  let env: TestWorkflowEnvironment;
  let gcs: GcsEmulator;
  let worker: RunningWorker;
  let root: string;
  let baseModel: string;
  let baseConfig: string;
  const hosts = [`tpu-0-${randomUUID().slice(0, 4)}`, `tpu-1-${randomUUID().slice(0, 4)}`];
  const hostWorkers: WorkerProcess[] = [];
  const workdirs = new Map(hosts.map((host) => [host, trainerWorkdir(`star-command-${host}-`)]));

  before(async () => {
    gcs = await startGcsEmulator('star-command');
    root = `gs://${gcs.bucket}/runs`;
    const scratch = mkdtempSync(join(tmpdir(), 'star-command-'));
    ({ baseModel, baseConfig } = await uploadTinyBase(root, scratch));
    env = await startDevServer();
    worker = await startWorker(env);
    for (const host of hosts) {
      const process_ = startWorkerProcess(
        host,
        'workers/host.ts',
        ['--host', host, '--workdir', workdirs.get(host)!, '--state-dir', scratch, '--quiet'],
        {
          ...process.env,
          TEMPORAL_ADDRESS: env.address,
        },
      );
      hostWorkers.push(process_);
    }
    await Promise.all(hostWorkers.map((w) => w.waitFor(/star host worker/, 60_000)));
  });

  after(async () => {
    await Promise.all(hostWorkers.map((w) => w.stop()));
    await worker?.stop();
    await env?.teardown();
    await gcs?.stop();
  });

  void it('trains each iteration on both hosts and evaluates the checkpoint they wrote', async () => {
    const experiment = `command-${randomUUID().slice(0, 6)}`;
    const handle = await env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: experiment,
      args: [
        tinyExperiment(experiment, root, baseModel, baseConfig, {
          nIters: 2,
          trainer: 'command',
          hosts,
          // The config's train_set is relative to data/ (as device_train.py reads it); train-cli is told the host's copy.
          commandTemplate: 'npx tsx model/train-cli.ts --config {config} --tune-model-path {base_model} --train-set {train_index}',
          heartbeatTimeoutSeconds: 10,
        }),
      ],
    });
    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    if (result.outcome !== 'finished') return;
    const [row] = result.metrics;
    const it = iterationLayout(root, experiment, 1);
    assert.equal(row.checkpointUri, `${it.modelDir}/step_${row.totalSteps}`);
    assert.equal((await readManifest(row.checkpointUri)).step, row.totalSteps, 'the hosts wrote a real checkpoint');
    assert.equal(row.accuracy?.['1']?.total, 12, 'the eval pass sampled from it');
    for (const host of hosts) {
      const log = await readText(joinUri(it.work, 'train', `${host}.log`));
      // Both hosts train the same model_dir (as a TPU pod's hosts do): a host that starts after the other
      // has saved step_N finds it and ends at once, so either line shows it reached the last step.
      assert.match(
        log,
        new RegExp(`^(step ${row.totalSteps} loss \\d|checkpoint .*/step_${row.totalSteps}$)`, 'm'),
        `${host} reached the last step`,
      );
      assert.equal(
        readFileSync(join(workdirs.get(host)!, 'data', experiment, `${experiment}_1.index`), 'utf8'),
        await readText(it.index),
        `${host} copied the index to data/{train_set} in its working directory`,
      );
    }
    // The fields device_train.py reads: it saves to gs://{bucket}/{model_dir} and trains on data/{train_set}.
    const config = JSON.parse(await readText(it.config)) as Record<string, unknown>;
    assert.equal(config.bucket, gcs.bucket);
    assert.equal(`gs://${String(config.bucket)}/${String(config.model_dir)}`, it.modelDir);
    assert.equal(config.train_set, `${experiment}/${experiment}_1.index`);
  });
});
