/**
 * Sharded generation across two worker processes on gs:// storage, one of them killed with SIGKILL in
 * the middle of its shard: the shard is retried on the other worker after its heartbeat timeout,
 * resumes after the chunks already saved, and the experiment keeps exactly the examples an
 * uninterrupted run keeps.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { ExamplesProgress } from '../../activities/progress';
import { readText } from '../../storage';
import { parseExperimentInputOrThrow } from '../../workflows/input';
import { iterationLayout } from '../../workflows/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { gcsSkipReason, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';
import { startDevServer, uniqueExperiment, workflowBundle } from '../helpers/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from './fixtures/experiment-input';
import { tinyBaseModel } from './fixtures/tiny-model';

const projectRoot = join(__dirname, '..', '..');
const skip = gcsSkipReason();

void describe('a worker killed in the middle of a generation shard', { timeout: 300_000, skip }, () => {
  let env: TestWorkflowEnvironment;
  let gcs: GcsEmulator;
  let baseModel: string;
  let bundlePath: string;
  const dir = scratchDir('crash');
  const workers: ChildProcess[] = [];

  before(async () => {
    [env, gcs, baseModel] = await Promise.all([startDevServer(), startGcsEmulator(), tinyBaseModel()]);
    bundlePath = join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await env?.teardown();
    await gcs?.stop();
  });

  function startWorkerProcess(taskQueue: string): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'workers', 'main.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        STAR_TASK_QUEUE: taskQueue,
        STAR_WORKFLOW_BUNDLE: bundlePath,
        STAR_MAX_CONCURRENT_ACTIVITIES: '1',
        STAR_CHUNK_SIZE: '8',
        STORAGE_EMULATOR_HOST: gcs.endpoint,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') console.error(`worker ${child.pid} exited ${code ?? signal}:\n${log}`);
    });
    workers.push(child);
    return child;
  }

  void it('completes on the surviving worker with the kept set of an uninterrupted run', async () => {
    const exp = uniqueExperiment('crash');
    const taskQueue = `crash-${exp}`;
    const input = tinyExperiment(exp, `${gcs.rootUri}/runs`, baseModel, writeBaseConfig(dir), {
      nIters: 2,
      nTrainSamples: 160,
      shards: 2,
      skipEval: true,
      heartbeatTimeoutSeconds: 4,
      arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 160, devPerDigit: 8 },
    });
    const pool = [startWorkerProcess(taskQueue), startWorkerProcess(taskQueue)];
    const handle = await env.client.workflow.start(starExperiment, { taskQueue, workflowId: exp, args: [input] });

    // Wait until both shards run on different workers and one is part-way through, then kill that one.
    let victim: { pid: number; shard: number; done: number } | undefined;
    const deadline = Date.now() + 120_000;
    while (!victim && Date.now() < deadline) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const shards = pending
        .filter((p) => p.activityType?.name === 'generateShard' && p.heartbeatDetails?.payloads?.[0])
        .map((p) => ({ pid: Number(String(p.lastWorkerIdentity).split('@')[0]), progress: defaultPayloadConverter.fromPayload(p.heartbeatDetails!.payloads![0]!) as ExamplesProgress }));
      const owners = new Set(shards.map((s) => s.pid));
      const midway = shards.find((s) => s.progress.done >= 16 && s.progress.done < s.progress.total);
      if (owners.size === 2 && midway) victim = { pid: midway.pid, shard: midway.progress.shard, done: midway.progress.done };
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(victim, 'the two shards never ran side by side on the two workers');
    const killed = pool.find((w) => w.pid === victim.pid);
    assert.ok(killed, `no worker process has pid ${victim.pid}`);
    killed.kill('SIGKILL');

    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).some((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
    assert.ok(retried, 'the killed shard was retried');

    // The same generation, uninterrupted, in this process with one shard.
    const options = parseExperimentInputOrThrow({ ...input, storageRoot: join(dir, 'reference') });
    const acts = createActivities();
    const ref = iterationLayout(options.storageRoot, exp, 1);
    const shard = await acts.generateShard({ options, datasetDir: '', iteration: 1, shard: 0, shards: 1, checkpointUri: baseModel, outputUri: ref.generateShard(0, 1) });
    await acts.mergeGeneration({ options, iteration: 1, shardUris: [shard.outputUri], keptTextUri: ref.keptText, manifestUri: ref.done.generate });
    const crashed = iterationLayout(`${gcs.rootUri}/runs`, exp, 1);
    assert.equal(await readText(crashed.keptText), await readText(ref.keptText));
  });
});
