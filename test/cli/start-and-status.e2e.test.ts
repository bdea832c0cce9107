/**
 * `star start` on a name already taken, and `star status` when no worker answers, as the real `star`
 * command against a real dev server (the workflow's activities are mocks, so runs take a second):
 * a completed experiment is not continued with other options (nothing is written), a running one
 * says the new options were ignored, and status without an answer says what is true and shows what
 * the store and the history hold.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IterationMetrics } from '../../contracts/metrics';
import { mockActivities } from '../helpers/mock-activities';
import { startDevServer, startMockWorker, uniqueExperiment, type RunningWorker } from '../../test-support/temporal';
import { scratchDir } from '../../test-support/experiment-input';
import { silentWorkerNote } from '../../cli/silent-worker';
import { runStar } from './run-star';

void describe('star start on a taken name, star status without an answer', { timeout: 300_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let connection: Record<string, string>;
  let root: string;

  before(async () => {
    env = await startDevServer();
    worker = await startMockWorker(env, mockActivities().activities);
    connection = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
    root = scratchDir('start-status');
  });
  after(async () => {
    await worker?.stop();
    await env?.teardown();
  });

  const start = (experiment: string, sets: string[], taskQueue = worker.taskQueue) =>
    runStar(
      ['start', '--task-queue', taskQueue, ...[`experiment=${experiment}`, `storageRoot=${root}`, ...sets].flatMap((s) => ['--set', s])],
      connection,
    );

  void it('refuses to continue a completed experiment with other options, before writing anything', async () => {
    const experiment = uniqueExperiment('done');
    assert.equal(start(experiment, ['nIters=3']).status, 0);
    const handle = env.client.workflow.getHandle(experiment);
    await handle.result();
    const { runId } = await handle.describe();

    const other = start(experiment, ['seed=5', 'nIters=4']);
    assert.equal(other.status, 2, other.stdout + other.stderr);
    assert.match(other.stderr, new RegExp(`${experiment} has completed with other options: seed \\(0 there, 5 here\\)`));
    assert.match(other.stderr, /Nothing was started/);
    assert.equal((await handle.describe()).runId, runId, 'no new run');

    const more = start(experiment, ['nIters=4']);
    assert.equal(more.status, 0, more.stderr);
    assert.match(more.stdout, /Continuing experiment/);
    await env.client.workflow.getHandle(experiment).result();
  });

  void it('says the options given to a running experiment were ignored, and how to change it', async () => {
    const experiment = uniqueExperiment('running');
    // No worker polls this queue: the experiment stays running.
    assert.equal(start(experiment, ['nIters=3'], `nobody-${experiment}`).status, 0);
    const same = start(experiment, ['nIters=3'], `nobody-${experiment}`);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /already running/);
    assert.doesNotMatch(same.stdout + same.stderr, /ignored/);

    const other = start(experiment, ['nIters=5', 'temperature=0.5'], `nobody-${experiment}`);
    assert.equal(other.status, 1, other.stdout + other.stderr);
    assert.match(other.stderr, /options given here were ignored: nIters \(3 there, 5 here\), temperature \(0\.01 there, 0\.5 here\)/);
    assert.match(other.stderr, /`star extend \S+ N` changes its nIters; for other options, `star stop \S+`/);
    await env.client.workflow.getHandle(experiment).terminate('test over');
  });

  void it("says what is true when no worker answers, and shows the store's metrics and the history's activities", async () => {
    const experiment = uniqueExperiment('silent');
    const row: IterationMetrics = {
      iteration: 1,
      attempted: 12,
      kept: 7,
      rationalized: 2,
      trainExamples: 7,
      totalSteps: 4,
      checkpointUri: 'x',
      overallAccuracy: 0.5,
      seconds: { generate: 3 },
    };
    mkdirSync(join(root, experiment, 'metrics'), { recursive: true });
    writeFileSync(join(root, experiment, 'metrics', `${experiment}_1.json`), JSON.stringify(row));
    assert.equal(start(experiment, ['nIters=3'], `nobody-${experiment}`).status, 0);

    const status = runStar(['status', experiment], connection);
    assert.equal(status.status, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `No worker answered the progress query within \\d+ s, and no worker polls task queue nobody-${experiment}: start one with \`star worker\``,
      ),
    );
    assert.match(status.stdout, new RegExp(`From the store \\(${root.replace(/[/.]/g, '\\$&')}/${experiment}\\):`));
    assert.match(status.stdout, /\n\s+1\s+7\s+2\s+4\s+50\.0%/);
    await env.client.workflow.getHandle(experiment).terminate('test over');
  });
});

void describe('the note of star status when no worker answers', () => {
  void it('says the experiment may still progress when workers poll its queue (the one holding it is stopped)', () => {
    const note = silentWorkerNote({ taskQueue: 'star', pollers: ['1@a', '2@b'], timeoutSeconds: 5 });
    assert.match(
      note,
      /within 5 s, though 2 workers polled task queue star lately \(1@a, 2@b\): the worker holding the experiment's workflow is busy or stopped/,
    );
    assert.match(note, /may still be progressing/);
    assert.doesNotMatch(note, /start one/);
  });
});
