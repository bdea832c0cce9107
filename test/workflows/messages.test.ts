/**
 * The experiment's messages and input checks on a real dev server: the stop signal, the nIters
 * update (with its validator), the progress query, an invalid input, and the dry run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { progressQuery, setNItersUpdate, stopAfterIterationSignal } from '../../contracts/messages';
import { starExperiment } from '../../workflows/star-experiment';
import { captureHistories, startDevServer, startWorker, uniqueExperiment, type RunningWorker } from '../helpers/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from './fixtures/experiment-input';
import { tinyBaseModel } from './fixtures/tiny-model';

void describe('experiment messages', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let root: string;
  let baseModel: string;
  let baseConfig: string;

  before(async () => {
    [env, baseModel] = await Promise.all([startDevServer(), tinyBaseModel()]);
    worker = await startWorker(env);
    root = scratchDir('messages');
    baseConfig = writeBaseConfig(root);
  });
  after(async () => {
    await worker?.stop();
    await env?.teardown();
  });

  const start = (exp: string, overrides: Parameters<typeof tinyExperiment>[4] = {}) =>
    env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: exp,
      args: [tinyExperiment(exp, root, baseModel, baseConfig, { shards: 1, ...overrides })],
    });

  void it('finishes the running iteration and completes when asked to stop', async () => {
    const exp = uniqueExperiment('stop');
    const handle = await start(exp, { nIters: 10 });
    await handle.signal(stopAfterIterationSignal);
    const progress = await handle.query(progressQuery);
    assert.equal(progress.stopRequested, true);
    assert.equal(progress.nIters, 10);
    const result = await handle.result();
    await captureHistories(env, handle, 'stop-after-iteration');
    assert.equal(result.outcome, 'stopped');
    if (result.outcome !== 'stopped') return;
    assert.equal(result.iterations, 1);
    assert.equal(result.metrics.length, 1, 'the stopped iteration ran to its end (train, eval)');
    assert.ok(result.metrics[0]?.accuracy, 'the stopped iteration was evaluated');
  });

  void it('rejects an nIters below the running iteration and applies a valid one', async () => {
    const exp = uniqueExperiment('niters');
    const handle = await start(exp, { nIters: 10 });
    await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [1] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError);
      assert.match(String((err.cause as Error).message), /smallest allowed value is 2/);
      return true;
    });
    assert.deepEqual(await handle.executeUpdate(setNItersUpdate, { args: [2] }), { previous: 10, nIters: 2 });
    assert.equal((await handle.query(progressQuery)).nIters, 2);
    const result = await handle.result();
    await captureHistories(env, handle, 'set-niters');
    assert.equal(result.outcome, 'finished');
    if (result.outcome === 'finished') assert.equal(result.iterations, 1);
  });

  void it('fails at once, before any activity, listing every problem of an invalid input', async () => {
    const exp = uniqueExperiment('invalid');
    const handle = await env.client.workflow.start('starExperiment', {
      taskQueue: worker.taskQueue,
      workflowId: exp,
      args: [{ experiment: exp, task: 'arithmetic', nIters: 0, steadyGrow: true, exponentialGrow: true, nIter: 5, pRationalization: 2 }],
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const cause = err.cause;
      assert.ok(cause instanceof ApplicationFailure);
      assert.equal(cause.type, 'InvalidExperimentInput');
      assert.equal(cause.nonRetryable, true);
      for (const field of ['nIters', 'pRationalization', 'nIter', 'exponentialGrow']) assert.match(cause.message, new RegExp(`at ${field}`));
      assert.match(cause.message, /4 problems/);
      return true;
    });
    const history = await handle.fetchHistory();
    assert.equal(history.events?.some((e) => e.activityTaskScheduledEventAttributes), false, 'no activity ran');
    await captureHistories(env, handle, 'invalid-input');
  });

  void it('refuses a workflow ID that is not the experiment name', async () => {
    const handle = await env.client.workflow.start('starExperiment', {
      taskQueue: worker.taskQueue,
      workflowId: uniqueExperiment('other'),
      args: [tinyExperiment('some-name', root, baseModel, baseConfig)],
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String(err.cause?.message), /workflow ID must be the experiment name/);
      return true;
    });
  });

  void it('returns the plan of a dry run without running or writing anything', async () => {
    const exp = uniqueExperiment('dry');
    const handle = await start(exp, { dryRun: true, nIters: 4 });
    const result = await handle.result();
    assert.equal(result.outcome, 'dry-run');
    if (result.outcome !== 'dry-run') return;
    assert.deepEqual(result.plan.iterations.map((p) => p.totalSteps), [4, 6, 8]);
    assert.equal(result.plan.iterations[1]?.generateWith, result.plan.iterations[0]?.checkpoint);
    assert.equal(existsSync(join(root, exp)), false);
    const history = await handle.fetchHistory();
    assert.equal(history.events?.some((e) => e.activityTaskScheduledEventAttributes), false);
  });
});
