/**
 * `star redo`: a finished step whose output was lost can be run again. A two-iteration experiment
 * completes; iteration 1's records file is deleted; retraining iteration 1 then fails non-retryably on
 * the missing file, and `star resume` fails the same way (it reuses the finished records step).
 * `star redo --iteration 1 --step records` writes the records again and the experiment completes with
 * the metrics of the first run.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { iterationLayout } from '../../contracts/layout';
import type { IterationMetrics } from '../../contracts/metrics';
import { normaliseRoot } from '../../storage';
import { starExperiment, type ExperimentResult } from '../../workflows/star-experiment';
import { uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { runStar } from './run-star';

const withoutTimes = (metrics: IterationMetrics[]) => metrics.map((m) => ({ ...m, seconds: undefined }));

void describe('star redo', { timeout: 420_000 }, () => {
  const suite = devServerSuite({ baseModel: true });

  const star = (args: string[]) => {
    const run = runStar(args, { TEMPORAL_ADDRESS: suite.env.address });
    return { ...run, all: `${run.stdout}\n${run.stderr}` };
  };

  void it('re-creates a deleted records file that star resume cannot bring back, and the experiment ends with the same metrics', async () => {
    const root = scratchDir('redo');
    const exp = uniqueExperiment('redo');
    const started = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: suite.worker.taskQueue,
      workflowId: exp,
      args: [tinyExperiment(exp, root, suite.baseModel, writeBaseConfig(root), { nIters: 3 })],
    });
    const first = await started.result();
    assert.equal(first.outcome, 'finished');
    if (first.outcome !== 'finished') return;
    assert.equal(first.iterations, 2);

    const it1 = iterationLayout(normaliseRoot(root), exp, 1);
    const it2 = iterationLayout(normaliseRoot(root), exp, 2);
    const completedAt = (uri: string) => (JSON.parse(readFileSync(fileURLToPath(uri), 'utf8')) as { completedAt: string }).completedAt;
    const it2Manifests = [it2.done.generate, it2.done.records, it2.done.train, it2.done.eval];
    const it2Before = it2Manifests.map(completedAt);
    const recordsDoneBefore = completedAt(it1.done.records);
    const recordsFile = fileURLToPath(`${it1.recordsPrefix}.tfrecords`);
    const recordsBytes = readFileSync(recordsFile);
    rmSync(recordsFile);

    // Retraining iteration 1 (its run is an earlier, continued-as-new run of the chain) needs the records.
    const retrain = star(['redo', exp, '--iteration', '1', '--step', 'train']);
    assert.equal(retrain.status, 0, retrain.all);
    assert.match(retrain.stdout, /train\.done\.json/);
    // The run reset is the chain's first run (iteration 1), which had continued as new into iteration 2.
    assert.match(
      retrain.stdout,
      new RegExp(
        `Redoing iteration 1 of ${exp} from its train step \\(trainModel, scheduled at event \\d+\\): reset run ${started.firstExecutionRunId} to event \\d+`,
      ),
    );
    const trainFails = async () =>
      assert.rejects(suite.env.client.workflow.getHandle(exp).result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.ok(err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'StepFailed');
        assert.match(
          err.cause.message,
          /iteration 1, training \(trainModel\) failed: .*\.tfrecords does not exist.*star redo .* --iteration 1 --step records` writes them again/,
        );
        return true;
      });
    await trainFails();

    // The case of the issue: resume resets to just before training, which fails on the same missing file.
    const resume = star(['resume', exp]);
    assert.equal(resume.status, 0, resume.all);
    assert.match(resume.stdout, /before its failed step trainModel/);
    await trainFails();
    assert.ok(!existsSync(recordsFile), 'resume did not write the records again');

    const redo = star(['redo', exp, '--iteration', '1', '--step', 'records']);
    assert.equal(redo.status, 0, redo.all);
    assert.match(redo.stdout, /records\.done\.json/);
    assert.match(redo.stdout, /config\.done\.json/);
    assert.match(redo.stdout, /from its records step \(writeRecords, scheduled at event \d+\): reset run \S+ to event (\d+); new run \S+/);
    const again = (await suite.env.client.workflow.getHandle<typeof starExperiment>(exp).result()) as ExperimentResult;
    assert.equal(again.outcome, 'finished');
    if (again.outcome !== 'finished') return;
    assert.equal(again.iterations, 2);
    assert.deepEqual(readFileSync(recordsFile), recordsBytes, 'the records were written again, byte for byte');
    assert.deepEqual(withoutTimes(again.metrics), withoutTimes(first.metrics));
    assert.ok(
      again.metrics[0]?.loss !== undefined,
      'iteration 1 was trained again (a trainer that only found its checkpoint reports no loss)',
    );
    assert.deepEqual(it2Manifests.map(completedAt), it2Before, 'iteration 2 reused its finished steps');
    assert.notEqual(completedAt(it1.done.records), recordsDoneBefore, 'the records step ran again');
  });

  void it('refuses an iteration the experiment has not reached, a step that is not one, and a running experiment without --force', async () => {
    const root = scratchDir('redo-refuse');
    const exp = uniqueExperiment('redo-refuse');
    // No worker polls this queue: the experiment stays running, its first step never scheduled.
    const handle = await suite.env.client.workflow.start(starExperiment, {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId: exp,
      args: [tinyExperiment(exp, root, suite.baseModel, writeBaseConfig(root), { nIters: 2 })],
    });
    try {
      const running = star(['redo', exp, '--iteration', '1', '--step', 'records']);
      assert.equal(running.status, 1, running.all);
      assert.match(running.stderr, new RegExp(`${exp} is running.*star stop ${exp}.*--force`));

      const forced = star(['redo', exp, '--iteration', '1', '--step', 'records', '--force']);
      assert.equal(forced.status, 2, forced.all);
      assert.match(forced.stderr, /iteration 1 of .* never began its records step/);

      const later = star(['redo', exp, '--iteration', '3', '--step', 'eval', '--force']);
      assert.equal(later.status, 2, later.all);
      assert.match(later.stderr, /has not reached iteration 3 \(its latest run is iteration 1\)/);

      const badStep = star(['redo', exp, '--iteration', '1', '--step', 'merge']);
      assert.equal(badStep.status, 2, badStep.all);
      assert.match(badStep.stderr, /--step must be one of generate, records, config, train, eval, got merge/);
    } finally {
      await handle.terminate('test done');
    }
  });
});
