/**
 * Fail, fix, resume: a missing base config fails iteration 1's config step non-retryably; after the
 * file is restored, resetting the run to just before that step completes the experiment without
 * redoing the steps before it (their completion manifests are untouched).
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { normaliseRoot } from '../../storage';
import { resetToFailedStep } from '../../cli/reset';
import { doneUriOf, iterationLayout } from '../../contracts/layout';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

void describe('resuming a failed experiment', { timeout: 240_000 }, () => {
  const suite = devServerSuite({ baseModel: true });
  let root: string;

  before(() => {
    root = scratchDir('resume');
  });

  void it('resets to the failed step and completes without redoing the steps before it', async () => {
    const exp = uniqueExperiment('resume');
    const baseConfig = writeBaseConfig(root);
    const hidden = `${baseConfig}.away`;
    renameSync(baseConfig, hidden);

    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      // One iteration: what follows a resumed step is an ordinary continue-as-new (logic.test.ts).
      args: [tinyExperiment(exp, root, suite.baseModel, baseConfig, { nIters: 2 })],
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'StepFailed');
      assert.match(err.cause.message, /iteration 1, config \(writeIterationConfig\) failed: .*base trainer config .* does not exist/);
      assert.match(err.cause.message, new RegExp(`star resume ${exp}`));
      return true;
    });

    // What iteration 1 completed before failing, and when.
    const it1 = iterationLayout(normaliseRoot(root), exp, 1);
    const manifests = [doneUriOf(it1.generateShard(0, 2)), doneUriOf(it1.generateShard(1, 2)), it1.done.generate, it1.done.records];
    const completedAt = () =>
      manifests.map((uri) => (JSON.parse(readFileSync(new URL(uri), 'utf8')) as { completedAt: string }).completedAt);
    const before = completedAt();

    renameSync(hidden, baseConfig);
    const reset = await resetToFailedStep(suite.env.client, exp);
    assert.equal(reset.failedActivity?.activityType, 'writeIterationConfig');
    assert.notEqual(reset.newRunId, reset.failedRunId);

    const result = await suite.env.client.workflow.getHandle(exp).result();
    assert.equal(result.outcome, 'finished');
    if (result.outcome !== 'finished') return;
    assert.equal(result.iterations, 1);
    assert.deepEqual(completedAt(), before, 'generation and records were not redone');

    // The reset run replayed the generation from history: it scheduled no generation shard of its own.
    const resetRun = await suite.env.client.workflow.getHandle(exp, reset.newRunId).fetchHistory();
    const scheduledAfterReset = (resetRun.events ?? [])
      .filter((e) => Number(e.eventId) > reset.eventId && e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    assert.equal(scheduledAfterReset[0], 'writeIterationConfig');
    assert.ok(!scheduledAfterReset.includes('generateShard'));
    await captureHistories(suite.env, { workflowId: exp, firstExecutionRunId: reset.newRunId }, 'resumed-after-reset');
  });
});
