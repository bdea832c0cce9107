/**
 * `star replay`, run as the real command: the committed histories replay against this checkout's
 * workflow code; the same history altered as an incompatible workflow change would see it fails with
 * status 1, naming the run and the event; and an experiment's whole continue-as-new chain is fetched
 * from a real dev server and replayed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { starExperiment } from '../../workflows/star-experiment';
import { HISTORIES_DIR } from '../helpers/histories';
import { MOCK_ROOT, MockRegistry, answeringActivities } from '../helpers/mock-activities';
import { startMockWorker, startDevServer, uniqueExperiment, workflowBundle, type RunningWorker } from '../../test-support/temporal';
import { tinyExperiment } from '../../test-support/experiment-input';
import { runStar } from './run-star';

const scratch = mkdtempSync(join(tmpdir(), 'star-replay-'));

void describe('star replay', { timeout: 300_000 }, () => {
  let bundlePath: string;

  before(async () => {
    bundlePath = join(scratch, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
  });

  void it("replays saved histories of an experiment's two runs against this checkout's workflow source", () => {
    const run = runStar([
      'replay',
      '--file',
      join(HISTORIES_DIR, 'two-iterations-1.json'),
      '--file',
      join(HISTORIES_DIR, 'two-iterations-2.json'),
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /two-iterations-1\.json: replays \(\d+ events\)/);
    assert.match(run.stdout, /All 2 runs replay/);
  });

  void it('fails with status 1 on a history the code no longer reproduces, naming the run and the event', () => {
    // As workflow code that merges where the recorded run copied records would see that run.
    const history = JSON.parse(readFileSync(join(HISTORIES_DIR, 'two-iterations-1.json'), 'utf8')) as { events: Record<string, unknown>[] };
    const scheduled = history.events.filter((e) => e.activityTaskScheduledEventAttributes);
    const fourth = scheduled[3] as { eventId: string; activityTaskScheduledEventAttributes: { activityType: { name: string } } };
    assert.equal(fourth.activityTaskScheduledEventAttributes.activityType.name, 'mergeGeneration');
    fourth.activityTaskScheduledEventAttributes.activityType.name = 'copyRecords';
    const altered = join(scratch, 'altered.json');
    writeFileSync(altered, JSON.stringify(history));

    const run = runStar(['replay', '--bundle', bundlePath, '--file', join(HISTORIES_DIR, 'base-eval-1.json'), '--file', altered]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /base-eval-1\.json: replays/);
    assert.match(
      run.stdout,
      new RegExp(
        `altered\\.json: nondeterministic at event ${fourth.eventId} \\(ActivityTaskScheduled\\): .*'copyRecords' does not match .*'mergeGeneration'`,
      ),
    );
    assert.match(run.stderr, /altered\.json does not replay/);
  });

  void it('refuses a file that is not a history, saying how to save one', () => {
    const notHistory = join(scratch, 'not-history.json');
    writeFileSync(notHistory, '{"events": "none"}');
    const run = runStar(['replay', '--bundle', bundlePath, '--file', notHistory]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /temporal workflow show --workflow-id EXP --output json/);
  });

  void describe('against a server', () => {
    let env: TestWorkflowEnvironment;
    let worker: RunningWorker;
    const registry = new MockRegistry();

    before(async () => {
      env = await startDevServer();
      worker = await startMockWorker(env, registry.workerActivities());
    });
    after(async () => {
      await worker?.stop();
      await env?.teardown();
    });

    void it("fetches every run of an experiment's continue-as-new chain and replays each", async () => {
      const exp = uniqueExperiment('replayed');
      registry.register(exp, answeringActivities());
      const handle = await env.client.workflow.start(starExperiment, {
        taskQueue: worker.taskQueue,
        workflowId: exp,
        args: [tinyExperiment(exp, MOCK_ROOT, 'file:///star-mock/base/step_300', 'file:///star-mock/base-config.json', { nIters: 4 })],
      });
      await handle.result();
      const run = runStar(['replay', exp, '--bundle', bundlePath], {
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        [...run.stdout.matchAll(/^run (\d) of 3 \(run ID ([\w-]+)\): replays/gm)].map((m) => m[1]),
        ['1', '2', '3'],
        run.stdout,
      );
      assert.match(run.stdout, new RegExp(`run 1 of 3 \\(run ID ${handle.firstExecutionRunId}\\)`));
    });

    void it('refuses an experiment the server does not know', () => {
      const run = runStar(['replay', 'no-such-experiment', '--bundle', bundlePath], { TEMPORAL_ADDRESS: env.address });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /No experiment named no-such-experiment/);
    });
  });
});
