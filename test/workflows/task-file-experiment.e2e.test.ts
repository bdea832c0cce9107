/**
 * An experiment whose task is a task file, through the workflow on a real Temporal dev server: the
 * tiny model's 1-digit additions written as a user would write them (JSONL rows, a question and a hint
 * template, a regex answer rule, a class field), sampled by the embedded model and by `star serve`
 * through the openai path, completions and chat. Two iterations keep examples and measure per-class
 * dev accuracy, the same through all three.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { hostSettings } from '../../workers/host-worker';
import type { ExperimentInput } from '../../contracts/experiment-input';
import type { IterationMetrics } from '../../contracts/metrics';
import { starExperiment } from '../../workflows/star-experiment';
import { repoRoot } from '../../test-support/processes';
import { startDevServer, startHostWorker, startWorker, uniqueExperiment, type RunningWorker } from '../../test-support/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';
import { writeAdditionTask } from './fixtures/addition-task';

const SERVE = `${process.execPath} ${join(repoRoot, 'bin', 'star.js')} serve --checkpoint {checkpoint} --port {port} --host {host}`;

function outcomeOf(metrics: IterationMetrics[]) {
  return metrics.map((m) => ({
    iteration: m.iteration,
    attempted: m.attempted,
    kept: m.kept,
    rationalized: m.rationalized,
    totalSteps: m.totalSteps,
    accuracy: m.accuracy,
  }));
}

void describe('starExperiment on a task file', { timeout: 600_000 }, () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let host: { stop(): Promise<void> };
  let baseModel: string;
  let baseConfig: string;
  let taskFile: string;
  const dir = scratchDir('task-file-exp');
  const hostName = `task-file-${process.pid}`;
  let embedded: IterationMetrics[];

  before(async () => {
    [env, baseModel] = await Promise.all([startDevServer(), tinyBaseModel()]);
    baseConfig = writeBaseConfig(dir);
    taskFile = writeAdditionTask(dir);
    worker = await startWorker(env);
    host = await startHostWorker(
      env,
      hostSettings({ host: hostName, workdir: repoRoot, killGraceSeconds: 5, stateDir: join(dir, 'host-state'), quiet: true }),
      { serve: true },
    );
  });
  after(async () => {
    await host?.stop();
    await worker?.stop();
    await env?.teardown();
  });

  const input = (exp: string, overrides: Partial<ExperimentInput> = {}): ExperimentInput => {
    const { arithmetic: _unused, ...rest } = tinyExperiment(exp, join(dir, 'runs'), baseModel, baseConfig, { shards: 2, ...overrides });
    return { ...rest, task: 'file', taskFile };
  };
  const finished = async (args: ExperimentInput) => {
    const handle = await env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: args.experiment,
      args: [args],
    });
    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    return result.metrics;
  };

  void it('runs two iterations on the embedded model: kept counts and per-class accuracy in the metrics', async () => {
    embedded = await finished(input(uniqueExperiment('task-file')));
    assert.deepEqual(
      embedded.map((m) => m.iteration),
      [1, 2],
    );
    assert.ok(
      embedded.every((m) => m.attempted === 12 && m.kept > 0),
      `every iteration keeps examples: ${JSON.stringify(outcomeOf(embedded))}`,
    );
    assert.ok(
      embedded.some((m) => m.kept < m.attempted),
      'and not all of them',
    );
    for (const m of embedded) {
      assert.deepEqual(
        Object.keys(m.accuracy ?? {}),
        ['digits=1'],
        'dev accuracy per class, from the class field (a number named by its field)',
      );
      assert.ok((m.accuracy?.['digits=1']?.total ?? 0) > 0 && m.overallAccuracy !== undefined);
    }
  });

  void it('keeps the same examples and reaches the same accuracy through the openai path (star serve)', async () => {
    assert.ok(embedded, 'the embedded run finished first');
    const metrics = await finished(
      input(uniqueExperiment('task-file-openai'), {
        inference: 'openai',
        serveCommandTemplate: SERVE,
        hosts: [hostName],
        inferenceRetrySeconds: 3,
      }),
    );
    assert.deepEqual(outcomeOf(metrics), outcomeOf(embedded));
  });

  void it('and through the chat API of star serve (the prompt as one user message)', async () => {
    assert.ok(embedded, 'the embedded run finished first');
    const chat: Partial<ExperimentInput> = {
      inference: 'openai',
      inferenceApi: 'chat',
      serveCommandTemplate: `${SERVE} --log-requests`,
      hosts: [hostName],
      inferenceRetrySeconds: 3,
    };
    const metrics = await finished(input(uniqueExperiment('task-file-chat'), chat));
    assert.deepEqual(outcomeOf(metrics), outcomeOf(embedded));
  });
});
