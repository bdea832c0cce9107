/**
 * The chaos suite (`npm run test:chaos`): a tiny experiment on a real dev server, run once without
 * trouble, then again under each fault; every faulted run must end with the same metrics and the same
 * bytes in every checkpoint, and no piece of work that had finished before the fault (a completion
 * manifest, a saved chunk, a checkpoint) may be written again. Kill points are chosen at random from
 * STAR_CHAOS_SEED (default 1) and reached by watching what the run saves, never by waiting a time.
 * Prints a summary table (case, result, work redone) at the end, also written to .tmp/chaos-summary.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { mulberry32 } from '../core/prng';
import type { ExperimentInput } from '../contracts/experiment-input';
import type { starExperiment } from '../workflows/star-experiment';
import { resetToFailedStep } from '../cli/reset';
import { waitUntil, type WorkerProcess } from '../test-support/processes';
import {
  chaosInput,
  count,
  experimentName,
  finishedWork,
  killServer,
  outcomeOf,
  redone,
  restartServer,
  savedCopy,
  startCluster,
  startWorker,
  type Cluster,
  type RunOutcome,
} from '../test-support/chaos-cluster';

interface Row {
  name: string;
  result: string;
  redone: string;
}

const seed = Number(process.env.STAR_CHAOS_SEED ?? 1);
const random = mulberry32(seed);
const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

void describe(`chaos (seed ${seed})`, { timeout: 1_800_000 }, () => {
  let cluster: Cluster;
  let worker: WorkerProcess;
  let root: string;
  let reference: RunOutcome;
  const rows: Row[] = [];

  before(async () => {
    cluster = await startCluster();
    root = join(cluster.scratch, 'runs');
    worker = await startWorker(cluster, 'worker-0');
  });

  after(async () => {
    await worker?.stop();
    await cluster?.connection.close();
    await cluster?.server.stop();
    const table = [
      '| case | result | work redone |',
      '|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.result} | ${r.redone} |`),
    ].join('\n');
    console.log(`\nchaos summary (seed ${seed}):\n${table}\n`);
    mkdirSync(join(__dirname, '..', '.tmp'), { recursive: true });
    writeFileSync(join(__dirname, '..', '.tmp', 'chaos-summary.md'), `${table}\n`);
  });

  const start = (experiment: string, overrides: Partial<ExperimentInput> = {}) =>
    cluster.client.workflow.start<typeof starExperiment>('starExperiment', {
      taskQueue: cluster.taskQueue,
      workflowId: experiment,
      args: [chaosInput(cluster, experiment, root, overrides)],
    });

  /** Runs a case, adding its row to the table whether it passes or not. */
  async function chaosCase(name: string, body: () => Promise<string>): Promise<void> {
    try {
      const work = await body();
      rows.push({ name, result: 'pass', redone: work });
    } catch (err) {
      rows.push({ name, result: `FAIL: ${(err as Error).message.split('\n')[0]?.slice(0, 160)}`, redone: '?' });
      throw err;
    }
  }

  /** The run's metrics and checkpoint bytes equal the uninterrupted run's. */
  function assertSameAsReference(experiment: string): void {
    const outcome = outcomeOf(root, experiment);
    assert.deepEqual(outcome.metrics, reference.metrics, `${experiment}: the metrics of the uninterrupted run`);
    assert.deepEqual(outcome.checkpoints, reference.checkpoints, `${experiment}: every checkpoint's bytes as in the uninterrupted run`);
  }

  /** Asserts nothing finished before the fault was written again; returns the table's text. */
  function assertNothingRedone(before: Map<string, number>, experiment: string): string {
    const again = redone(before, root, experiment);
    assert.deepEqual(again, [], `${experiment}: finished work written again after the fault`);
    return `0 of ${before.size} finished pieces`;
  }

  void it('runs the experiment uninterrupted (the reference)', async () => {
    await chaosCase('uninterrupted run (reference)', async () => {
      const experiment = experimentName('reference');
      const result = await (await start(experiment)).result();
      assert.equal(result.outcome, 'finished');
      reference = outcomeOf(root, experiment);
      assert.equal(reference.metrics.length, 2);
      assert.ok(Object.keys(reference.checkpoints).length >= 10, 'checkpoints every 2 steps of both iterations');
      return '-';
    });
  });

  const dirOf = (experiment: string) => join(root, experiment);
  const iterationDir = (experiment: string, i: number) => join(dirOf(experiment), 'iterations', String(i));
  const exists = (path: string) => {
    try {
      readFileSync(path);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * Starts the experiment, SIGKILLs the worker once `reached` says the run is at the chosen point,
   * starts a new worker, and checks the run ends as the reference did without redoing work.
   */
  /**
   * `reached` is polled (every 100 ms, with a status check). A point a short step passes quickly is
   * given as `onFile` instead: a path under the experiment's folder whose creation kills the worker
   * from a watcher at once, since a 100 ms poll can miss a step that takes less (the tensorflow
   * backend trains the test model's last two steps in milliseconds).
   */
  async function killWorkerCase(
    phase: string,
    iteration: number,
    point: string,
    reached: ((experiment: string) => boolean) | { onFile: (experiment: string) => string },
    phaseDone: (experiment: string, handle: WorkflowHandle) => boolean | Promise<boolean>,
  ) {
    await chaosCase(`worker SIGKILLed in ${phase}, iteration ${iteration}, ${point}`, async () => {
      const experiment = experimentName(`kill-${phase}`);
      const handle = await start(experiment);
      const running = async () => {
        if ((await handle.describe()).status.name !== 'RUNNING') throw new Error(`${experiment} ended before ${point}`);
        return true;
      };
      if (typeof reached === 'function') {
        await waitUntil(
          async () => (await running()) && reached(experiment),
          600_000,
          `${experiment} to reach ${phase} of iteration ${iteration}, ${point}`,
        );
        await worker.crash();
      } else {
        const dir = dirOf(experiment);
        await waitUntil(async () => (await running()) && existsSync(dir), 600_000, `${dir} to be made`);
        await killOnCreation(dir, true, join(dir, reached.onFile(experiment)), point);
      }
      const before = finishedWork(root, experiment);
      const inPhase = !(await phaseDone(experiment, handle));
      worker = await startWorker(cluster, `worker-after-${phase}`);
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      assertSameAsReference(experiment);
      assert.ok(inPhase, `the kill landed after ${phase} had finished`);
      return assertNothingRedone(before, experiment);
    });
  }

  /** SIGKILLs the worker the moment `target` appears under `watched` (checked on every event there). */
  function killOnCreation(watched: string, recursive: boolean, target: string, point: string): Promise<void> {
    const doomed = worker;
    return new Promise<void>((resolve, reject) => {
      // Any event in the tree re-checks the target: a watch on a folder made a moment ago can
      // miss the first files written into it, but the steps write files all the time.
      const watcher = watch(watched, { recursive }, () => {
        if (!existsSync(target)) return;
        watcher.close();
        doomed.crash().then(resolve, reject);
      });
      if (existsSync(target)) {
        watcher.close();
        reject(new Error(`${target} existed before the watcher started: ${point} came too early to catch`));
      }
    });
  }

  /**
   * A write end of `fifo` once a process has it open for reading (opening it to write without
   * blocking succeeds only then), else undefined. Closing it ends the reader's read (empty), so it
   * is closed only after the reader is gone.
   */
  function pipeWriter(fifo: string): number | undefined {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') return undefined;
      throw err;
    }
  }

  /** Whether the run's history records `activityType` as completed (a step's result the workflow has). */
  async function completedInHistory(handle: WorkflowHandle, activityType: string): Promise<boolean> {
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = new Set(
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)),
    );
    return events.some(
      (e) => e.activityTaskCompletedEventAttributes && scheduled.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId)),
    );
  }

  void it('survives the worker SIGKILLed during generation', async () => {
    const i = pick(1, 2);
    const k = pick(1, 10);
    await killWorkerCase(
      'generate',
      i,
      `after ${k} of 12 chunks`,
      (e) => count(join(iterationDir(e, i), 'generate'), /chunk-\d+\.json$/) >= k,
      (e) => exists(join(iterationDir(e, i), 'generate.done.json')),
    );
  });

  void it('survives the worker SIGKILLed as the records step starts', async () => {
    const i = pick(1, 2);
    await killWorkerCase(
      'records',
      i,
      'as generation is merged',
      { onFile: () => join('iterations', String(i), 'generate.done.json') },
      (e) => exists(join(iterationDir(e, i), 'records.done.json')),
    );
  });

  void it('survives the worker SIGKILLed during training', async () => {
    const i = pick(1, 2);
    const steps = i === 1 ? 12 : 16;
    const step = 2 * pick(1, steps / 2 - 1);
    await killWorkerCase(
      'train',
      i,
      `after the step ${step} checkpoint of ${steps}`,
      { onFile: (e) => join('models', `${e}_${i}`, `step_${step}`, 'manifest.json') },
      (e) => exists(join(iterationDir(e, i), 'train.done.json')),
    );
  });

  void it('survives the worker SIGKILLed during eval', async () => {
    const i = pick(1, 2);
    const k = pick(1, 5);
    await killWorkerCase(
      'eval',
      i,
      `after ${k} of 6 chunks`,
      (e) => count(join(iterationDir(e, i), 'eval'), /chunk-\d+\.json$/) >= k,
      (e) => exists(join(iterationDir(e, i), 'eval.done.json')),
    );
  });

  void it('survives the dev server SIGKILLed and restarted mid-run', async () => {
    await chaosCase('dev server SIGKILLed in training and restarted', async () => {
      const experiment = experimentName('server');
      // A heartbeat timeout longer than the restart, so the running attempts are not given up on.
      const handle = await start(experiment, { heartbeatTimeoutSeconds: 60 });
      const step = 2 * pick(1, 5);
      await waitUntil(
        () => exists(join(dirOf(experiment), 'models', `${experiment}_1`, `step_${step}`, 'manifest.json')),
        600_000,
        `${experiment} to save step ${step}`,
      );
      const before = finishedWork(root, experiment);
      await killServer(cluster);
      await restartServer(cluster);
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      assertSameAsReference(experiment);
      return assertNothingRedone(before, experiment);
    });
  });

  for (const n of [2, 3]) {
    void it(`runs ${n} experiments at once in one worker to the reference's bytes`, async () => {
      await chaosCase(`${n} concurrent experiments in one worker`, async () => {
        const experiments = Array.from({ length: n }, (_, k) => experimentName(`together${n}-${k}`));
        const handles: WorkflowHandle<typeof starExperiment>[] = await Promise.all(experiments.map((e) => start(e)));
        for (const result of await Promise.all(handles.map((h) => h.result()))) assert.equal(result.outcome, 'finished');
        for (const e of experiments) assertSameAsReference(e);
        return '-';
      });
    });
  }

  /** Waits for the experiment to fail; returns the failure's full message chain. */
  async function failure(handle: WorkflowHandle): Promise<string> {
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error, 'the experiment failed');
    const messages: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) messages.push(e.message);
    return messages.join(' <- ');
  }

  void it('fails on a corrupted checkpoint, naming it, and finishes once it is restored', async () => {
    await chaosCase('base checkpoint damaged at the same size, restored, star resume', async () => {
      const experiment = experimentName('corrupt');
      const base = await savedCopy(cluster.baseModel, join(cluster.scratch, 'corrupt-base'));
      const weights = join(base, 'weights.bin');
      const good = readFileSync(weights);
      writeFileSync(weights, Buffer.alloc(good.length, 0x5a));
      const handle = await start(experiment, { baseModelLocation: base });
      const message = await failure(handle);
      assert.match(message, new RegExp(`${weights} is damaged`));
      const before = finishedWork(root, experiment);
      writeFileSync(weights, good);
      const reset = await resetToFailedStep(cluster.client, experiment);
      const result = await cluster.client.workflow.getHandle<typeof starExperiment>(experiment, reset.newRunId).result();
      assert.equal(result.outcome, 'finished');
      assertSameAsReference(experiment);
      return assertNothingRedone(before, experiment);
    });
  });

  void it('fails on an unwritable folder, naming it, and finishes once it is writable', async () => {
    await chaosCase('records folder unwritable (full-disk stand-in), fixed, star resume', async () => {
      const experiment = experimentName('unwritable');
      // Root ignores permissions, so the stand-in for a folder that refuses writes is a file in its place.
      const blocked = join(dirOf(experiment), 'records');
      mkdirSync(dirOf(experiment), { recursive: true });
      writeFileSync(blocked, '');
      const handle = await start(experiment);
      const message = await failure(handle);
      assert.match(message, /ENOTDIR/);
      assert.match(message, new RegExp(blocked));
      const before = finishedWork(root, experiment);
      assert.ok(before.size > 0, 'generation finished before the failure');
      rmSync(blocked);
      const reset = await resetToFailedStep(cluster.client, experiment);
      const result = await cluster.client.workflow.getHandle<typeof starExperiment>(experiment, reset.newRunId).result();
      assert.equal(result.outcome, 'finished');
      assertSameAsReference(experiment);
      return assertNothingRedone(before, experiment);
    });
  });

  // The cases below came last, so the kill points drawn for the cases above stay as they were for a seed.

  void it('survives the worker SIGKILLed in the prepare step', async () => {
    await chaosCase('worker SIGKILLed in the prepare step, reading the base checkpoint', async () => {
      const experiment = experimentName('kill-prepare');
      // The base checkpoint's manifest is a named pipe at first: the prepare step's read of it blocks
      // until the pipe gets a writer, so the worker is inside the step when it is killed.
      const base = await savedCopy(cluster.baseModel, join(cluster.scratch, `prepare-base-${experiment}`));
      const manifest = join(base, 'manifest.json');
      const content = readFileSync(manifest);
      rmSync(manifest);
      execFileSync('mkfifo', [manifest]);
      const handle = await start(experiment, { baseModelLocation: base });
      let writer: number | undefined;
      await waitUntil(() => (writer = pipeWriter(manifest)) !== undefined, 600_000, `${experiment}'s prepare step to read ${manifest}`);
      await worker.crash();
      closeSync(writer!);
      assert.equal(await completedInHistory(handle, 'prepareExperiment'), false, 'the kill landed after prepare had finished');
      rmSync(manifest);
      writeFileSync(manifest, content);
      const before = finishedWork(root, experiment);
      worker = await startWorker(cluster, 'worker-after-prepare');
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      assertSameAsReference(experiment);
      return assertNothingRedone(before, experiment);
    });
  });

  void it('survives the worker SIGKILLed at the first loss line of training', async () => {
    const i = pick(1, 2);
    await killWorkerCase(
      'train',
      i,
      'as the first loss line is saved',
      { onFile: () => join('iterations', String(i), 'train', 'loss.jsonl') },
      (e) => exists(join(iterationDir(e, i), 'train.done.json')),
    );
  });

  void it('survives the worker SIGKILLed at the iteration boundary', async () => {
    await killWorkerCase(
      'metrics',
      1,
      'as its metrics row is written (the iteration boundary)',
      { onFile: (e) => join('metrics', `${e}_1.json`) },
      (e) => existsSync(iterationDir(e, 2)),
    );
  });
});
