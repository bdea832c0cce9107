/**
 * Sharded generation across worker processes, with a crash: a Temporal dev server, two experiment
 * worker processes (`workers/main.ts` itself, one activity at a time, small chunks) and gs://
 * storage on the GCS emulator. The generation shards run on both workers; one worker is SIGKILLed in
 * the middle of a shard; the experiment completes on the other, and its kept set is the one an
 * uninterrupted run keeps.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ExamplesProgress } from '../../contracts/heartbeats';
import { exists, list, readText } from '../../storage';
import { iterationLayout } from '../../contracts/layout';
import type { starExperiment } from '../../workflows/star-experiment';
import { gcsSkipReason, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';
import { startDevServer, workflowBundle } from '../../test-support/temporal';
import { tinyExperiment } from '../../test-support/experiment-input';
import { uploadTinyBase } from './helpers/bucket-fixtures';
import { startWorkerProcess, waitUntil, type WorkerProcess } from '../../test-support/processes';

const CHUNK = 4;

void describe('sharded generation on two worker processes with gs:// storage', { timeout: 900_000, skip: gcsSkipReason() }, () => {
  let env: TestWorkflowEnvironment;
  let gcs: GcsEmulator;
  let root: string;
  let baseModel: string;
  let baseConfig: string;
  let bundlePath: string;
  const taskQueue = `shards-${randomUUID()}`;
  const workers: WorkerProcess[] = [];

  const startExperimentWorker = async (name: string) => {
    const worker = startWorkerProcess(name, 'workers/main.ts', [], {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      STAR_TASK_QUEUE: taskQueue,
      STAR_WORKFLOW_BUNDLE: bundlePath,
      STAR_CHUNK_SIZE: String(CHUNK),
      // One shard per worker at a time, so the second shard goes to the other worker.
      STAR_MAX_CONCURRENT_ACTIVITIES: '1',
    });
    workers.push(worker);
    const ready = await worker.waitFor(/star worker (\S+) on /, 120_000);
    return { worker, identity: ready[1] };
  };

  before(async () => {
    gcs = await startGcsEmulator('star-shards');
    root = `gs://${gcs.bucket}/runs`;
    const scratch = mkdtempSync(join(tmpdir(), 'star-shards-'));
    // The base model and config live in the bucket too: nothing the workers read is on a local disk.
    ({ baseModel, baseConfig } = await uploadTinyBase(root, scratch));
    env = await startDevServer();
    bundlePath = join(scratch, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await env?.teardown();
    await gcs?.stop();
  });

  const input = (experiment: string) =>
    tinyExperiment(experiment, root, baseModel, baseConfig, {
      nIters: 2,
      skipEval: true,
      shards: 2,
      // Shards long enough (25 chunks each) that a heartbeat shows one half done: the SDK sends
      // heartbeats at most every 0.8 × the heartbeat timeout.
      nTrainSamples: 200,
      heartbeatTimeoutSeconds: 6,
      arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 200, devPerDigit: 4 },
    });

  const start = (experiment: string) =>
    env.client.workflow.start<typeof starExperiment>('starExperiment', { taskQueue, workflowId: experiment, args: [input(experiment)] });

  /** Who ran each generation shard's last attempt, from the history. */
  async function shardRuns(handle: WorkflowHandle) {
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = new Map(
      events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!]),
    );
    return events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => ({
        started: e.activityTaskStartedEventAttributes!,
        scheduled: scheduled.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId))!,
      }))
      .filter((run) => run.scheduled.activityType?.name === 'generateShard')
      .map((run) => ({
        identity: run.started.identity ?? '',
        attempt: run.started.attempt ?? 1,
        lastFailure: run.started.lastFailure?.message ?? undefined,
      }));
  }

  const keptText = async (experiment: string) => readText(iterationLayout(root, experiment, 1).keptText);

  let uninterruptedKept: string;
  let a: { worker: WorkerProcess; identity: string };
  let b: { worker: WorkerProcess; identity: string };

  void it('spreads the generation shards over both workers', async () => {
    [a, b] = await Promise.all([startExperimentWorker('worker-a'), startExperimentWorker('worker-b')]);
    const experiment = `shards-whole-${randomUUID().slice(0, 6)}`;
    const handle = await start(experiment);
    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    const runs = await shardRuns(handle);
    assert.equal(runs.length, 2);
    assert.deepEqual(new Set(runs.map((r) => r.identity)), new Set([a.identity, b.identity]), 'each worker ran a shard');
    uninterruptedKept = await keptText(experiment);
    assert.ok(uninterruptedKept.length > 0, 'the uninterrupted run kept some rationales');
  });

  void it('completes after a worker is SIGKILLed in the middle of a shard, keeping the same set', async () => {
    const experiment = `shards-crash-${randomUUID().slice(0, 6)}`;
    const handle = await start(experiment);
    // Worker A is in the middle of its shard once the shard has saved a chunk but not its output. Which
    // shard A runs comes from its first heartbeat (sent at once; later ones are throttled), the chunks
    // from the bucket, so the moment does not depend on heartbeat timing.
    let killedShard: ExamplesProgress | undefined;
    const layout = iterationLayout(root, experiment, 1);
    await waitUntil(
      async () => {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING')
          throw new Error(`the experiment ended (${description.status.name}) before worker A was seen mid-shard`);
        for (const activity of description.raw.pendingActivities ?? []) {
          if (activity.activityType?.name !== 'generateShard' || activity.lastWorkerIdentity !== a.identity) continue;
          const payload = activity.heartbeatDetails?.payloads?.[0];
          const progress = payload ? (defaultPayloadConverter.fromPayload(payload) as ExamplesProgress) : undefined;
          if (!progress) continue;
          const output = layout.generateShard(progress.shard, progress.shards);
          const chunks = await list(output.replace(/\.json$/, '.chunks'));
          if (chunks.length >= 1 && !(await exists(output))) {
            killedShard = { ...progress, done: chunks.length * CHUNK };
            return true;
          }
        }
        return false;
      },
      300_000,
      'worker A to be in the middle of a generation shard',
    );
    await a.worker.crash();
    const killedAt = Date.now();

    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    const runs = await shardRuns(handle);
    const retried = runs.find((r) => r.attempt > 1);
    assert.ok(
      retried,
      `the shard worker A was running (shard ${killedShard?.shard}, ${killedShard?.done} of ${killedShard?.total} done) was retried`,
    );
    assert.equal(retried.identity, b.identity, 'worker B finished the shard');
    assert.match(retried.lastFailure ?? '', /heartbeat/i, 'the retry followed the heartbeat timeout of the dead worker');
    assert.equal(await keptText(experiment), uninterruptedKept, 'the kept set equals the uninterrupted run');
    // The retry resumed: the first chunk the dead worker saved was read back, not generated again.
    const chunkUri = `${iterationLayout(root, experiment, 1)
      .generateShard(killedShard!.shard, 2)
      .replace(/\.json$/, '.chunks')}/chunk-0.json`;
    const written = await objectUpdated(chunkUri);
    assert.ok(written < killedAt, `${chunkUri} was written at ${new Date(written).toISOString()}, before the kill, and not rewritten`);
  });

  /** When the emulator last wrote an object (its JSON API metadata). */
  async function objectUpdated(uri: string): Promise<number> {
    const name = uri.slice(`gs://${gcs.bucket}/`.length);
    const response = await fetch(`${gcs.endpoint}/storage/v1/b/${gcs.bucket}/o/${encodeURIComponent(name)}`);
    assert.equal(response.status, 200, `no object ${uri}`);
    const meta = (await response.json()) as { updated: string };
    return Date.parse(meta.updated);
  }
});
