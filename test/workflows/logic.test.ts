/**
 * The workflow's own logic, in seconds: the real `starExperiment` code on a real dev server, with
 * typed mock activities (test/helpers/mock-activities.ts) in place of the model. What order steps run
 * in and with which URIs, what is carried through continue-as-new, the messages, failures, retries and
 * cancellation. The real model, real records and resume after a failure are tested end to end in
 * experiment.e2e.test.ts, resume.e2e.test.ts and command-trainer.e2e.test.ts.
 *
 * The time-skipping test server (`TestWorkflowEnvironment.createTimeSkipping`) is not used: it is a
 * separate binary the SDK downloads at run time, which this project's machines cannot fetch. Nothing
 * here waits on a timer: retries are made fast by the failures' own `nextRetryDelay`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, type ActivityCancellationDetails } from '@temporalio/common';
import type { TrainOnHostInput } from '../../contracts/activities';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { experimentLayout, iterationLayout } from '../../contracts/layout';
import { progressQuery, setNItersUpdate, stopAfterIterationSignal } from '../../contracts/messages';
import { hostTaskQueue } from '../../contracts/task-queues';
import type { IterationMetrics } from '../../contracts/metrics';
import { starExperiment } from '../../workflows/star-experiment';
import { DRY_RUN_LISTED_ITERATIONS } from '../../workflows/plan';
import { MAX_ITERATIONS } from '../../contracts/experiment-input';
import {
  answerTrainOnHost,
  answeringActivities,
  gate,
  mockActivities,
  MockRegistry,
  MOCK_ROOT,
  untilCancelled,
  type PickRendezvous,
  type StarActivities,
  type TrainOnHost,
} from '../helpers/mock-activities';
import {
  captureHistories,
  historiesOf,
  startActivityWorker,
  startDevServer,
  startMockWorker,
  uniqueExperiment,
  type RunningWorker,
} from '../../test-support/temporal';
import { tinyExperiment } from '../../test-support/experiment-input';

const BASE_MODEL = 'file:///star-mock/base/step_300';
const BASE_CONFIG = 'file:///star-mock/base-config.json';
const answering = answeringActivities();
/** The command trainer's hosts; each has a worker on its own task queue. */
const HOSTS = ['mock-host-a', 'mock-host-b'] as const;
const [hostA, hostB] = HOSTS;

/** A transient failure that the retry policy repeats at once instead of after its 2 s backoff. */
const transient = (message: string) => ApplicationFailure.create({ message, type: 'Transient', nextRetryDelay: '10ms' });

/** Waits for something the activities see (a cancellation reaches them on a heartbeat's answer). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
}

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof starExperiment>;

void describe('starExperiment logic with mock activities', { timeout: 180_000 }, () => {
  let env: TestWorkflowEnvironment;
  const registry = new MockRegistry();
  let workers: RunningWorker[] = [];

  before(async () => {
    env = await startDevServer();
    workers = await Promise.all([
      startMockWorker(env, registry.workerActivities()),
      ...HOSTS.map((host) => startActivityWorker(env, hostTaskQueue(host), registry.hostActivities())),
    ]);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await env?.teardown();
  });

  /** Starts an experiment whose activities are `activities` (and `hosts`' trainOnHost). */
  const start = (
    exp: string,
    activities: StarActivities,
    overrides: Parameters<typeof tinyExperiment>[4] = {},
    hosts: Record<string, TrainOnHost> = {},
    rendezvous: Record<string, PickRendezvous> = {},
  ): Promise<Handle> => {
    registry.register(exp, activities, hosts, rendezvous);
    return env.client.workflow.start(starExperiment, {
      taskQueue: workers[0]!.taskQueue,
      workflowId: exp,
      args: [tinyExperiment(exp, MOCK_ROOT, BASE_MODEL, BASE_CONFIG, overrides)],
    });
  };

  /** The run's failure, which must be a step failure. */
  async function stepFailure(handle: Handle): Promise<ApplicationFailure> {
    const err: unknown = await handle.result().then(
      (result) => assert.fail(`expected the run to fail, it returned ${JSON.stringify(result)}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'StepFailed');
    assert.equal(err.cause.nonRetryable, true);
    return err.cause;
  }

  /** The activity types whose cancellation the workflow requested, in history order. */
  async function cancelRequestedActivities(handle: Handle): Promise<string[]> {
    return (await historiesOf(env.client, handle)).flatMap(({ history }) => {
      const events = history.events ?? [];
      const typeOf = new Map(events.map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '']));
      return events.flatMap((e) => {
        const requested = e.activityTaskCancelRequestedEventAttributes;
        return requested ? [typeOf.get(String(requested.scheduledEventId)) ?? '?'] : [];
      });
    });
  }

  /** Every event of every run of the experiment (continue-as-new chains). */
  async function eventsOf(handle: Handle) {
    return (await historiesOf(env.client, handle)).flatMap(({ history }) => history.events ?? []);
  }

  void describe('one iteration', () => {
    void it('runs the steps in order, each told the URIs of the layout, and returns the metrics row', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('order');
      const result = await (await start(exp, activities, { nIters: 2 })).result();

      assert.deepEqual(log.names(), [
        'prepareExperiment',
        'generateShard',
        'generateShard',
        'mergeGeneration',
        'writeRecords',
        'writeIterationConfig',
        'trainModel',
        'evalShard',
        'evalShard',
        'mergeEval',
        'recordMetrics',
      ]);
      const it1 = iterationLayout(MOCK_ROOT, exp, 1);
      const shards = log.inputs('generateShard').sort((a, b) => a.shard - b.shard);
      assert.deepEqual(
        shards.map((g) => [g.shard, g.shards, g.outputUri, g.checkpointUri]),
        [
          [0, 2, it1.generateShard(0, 2), BASE_MODEL],
          [1, 2, it1.generateShard(1, 2), BASE_MODEL],
        ],
      );
      assert.deepEqual(log.inputs('mergeGeneration')[0]?.shardUris, [it1.generateShard(0, 2), it1.generateShard(1, 2)]);
      const records = log.inputs('writeRecords')[0];
      assert.equal(records?.recordFolder, it1.recordFolder);
      assert.equal(records?.trainerConfigUri, experimentLayout(MOCK_ROOT, exp).baseConfig, 'iteration 1 starts from the base config');
      const train = log.inputs('trainModel')[0];
      assert.equal(train?.baseCheckpointUri, BASE_MODEL, 'training starts from the base model');
      assert.equal(train?.totalSteps, 4);
      assert.deepEqual(
        log.inputs('evalShard').map((e) => e.checkpointUri),
        [`${it1.modelDir}/step_4`, `${it1.modelDir}/step_4`],
        'eval uses the trained model',
      );

      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.equal(result.iterations, 1);
      assert.equal(result.lastCheckpointUri, `${it1.modelDir}/step_4`);
      const row = result.metrics[0];
      assert.deepEqual(
        {
          attempted: row?.attempted,
          kept: row?.kept,
          rationalized: row?.rationalized,
          trainExamples: row?.trainExamples,
          totalSteps: row?.totalSteps,
          loss: row?.loss,
        },
        { attempted: 12, kept: 8, rationalized: 2, trainExamples: 8, totalSteps: 4, loss: 1.5 },
      );
      assert.equal(row?.overallAccuracy, 0.5);
      assert.deepEqual(log.inputs('recordMetrics')[0]?.row, row, 'the row written is the row returned');
    });

    void it('skips eval under skipEval and copies records when copyN is set', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('copy');
      const result = await (await start(exp, activities, { nIters: 2, skipEval: true, copyN: 2 })).result();
      assert.deepEqual(log.names().slice(-3), ['trainModel', 'copyRecords', 'recordMetrics']);
      const it1 = iterationLayout(MOCK_ROOT, exp, 1);
      const copy = log.inputs('copyRecords')[0];
      assert.deepEqual([copy?.fromFolder, copy?.toFolder, copy?.copyN], [it1.recordFolder, it1.nextRecordFolder, 2]);
      assert.equal(result.outcome === 'finished' && result.metrics[0]?.accuracy, undefined);
    });
  });

  void describe('base eval', () => {
    void it('baseEval evaluates the base model as iteration 0 before generating, and carries its row through continue-as-new', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('base-eval');
      const handle = await start(exp, activities, { nIters: 3, baseEval: true });
      const result = await handle.result();
      await captureHistories(env, handle, 'base-eval');

      assert.deepEqual(log.names().slice(0, 6), [
        'prepareExperiment',
        'evalShard',
        'evalShard',
        'mergeEval',
        'recordMetrics',
        'generateShard',
      ]);
      const it0 = iterationLayout(MOCK_ROOT, exp, 0);
      const baseShards = log
        .inputs('evalShard')
        .filter((e) => e.iteration === 0)
        .sort((a, b) => a.shard - b.shard);
      assert.deepEqual(
        baseShards.map((e) => [e.shard, e.checkpointUri, e.outputUri]),
        [
          [0, BASE_MODEL, it0.evalShard(0, 2)],
          [1, BASE_MODEL, it0.evalShard(1, 2)],
        ],
      );
      const merge = log.inputs('mergeEval')[0];
      assert.deepEqual([merge?.iteration, merge?.summaryUri, merge?.manifestUri], [0, it0.evalSummary, it0.done.eval]);
      const recorded = log.inputs('recordMetrics')[0];
      assert.equal(recorded?.metricsUri, it0.metrics);
      assert.equal(recorded?.metricsUri.endsWith(`metrics/${exp}_0.json`), true);
      const row = recorded?.row as IterationMetrics | undefined;
      assert.deepEqual([row?.iteration, row?.checkpointUri, row?.kept, row?.overallAccuracy], [0, BASE_MODEL, 0, 0.5]);
      assert.equal(
        log.inputs('evalShard').filter((e) => e.iteration === 0).length,
        2,
        'the base is evaluated once, not again in later runs',
      );

      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.deepEqual(
        result.metrics.map((m) => m.iteration),
        [1, 2],
        'the base row is not an iteration',
      );
      assert.deepEqual([result.base?.iteration, result.base?.overallAccuracy], [0, 0.5], 'the base row survives continue-as-new');
    });

    void it('nIters 1 with baseEval only evaluates the base model', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('base-only');
      const result = await (await start(exp, activities, { nIters: 1, baseEval: true })).result();
      assert.deepEqual(log.names(), ['prepareExperiment', 'evalShard', 'evalShard', 'mergeEval', 'recordMetrics']);
      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.deepEqual([result.iterations, result.metrics.length, result.lastCheckpointUri, result.base?.iteration], [0, 0, BASE_MODEL, 0]);
    });
  });

  void describe('continue-as-new', () => {
    void it('carries the iteration, the prepared storage, the model, the config and the metrics into the next run', async () => {
      const third = gate();
      const { activities, log } = mockActivities({
        trainModel: async (input) => {
          if (input.iteration === 3) await third.promise;
          return answering.trainModel(input);
        },
        prepareExperiment: async (input) => ({
          ...(await answering.prepareExperiment(input)),
          datasetDir: `${MOCK_ROOT}/prepared-dataset`,
        }),
      });
      const exp = uniqueExperiment('carried');
      const handle = await start(exp, activities, { nIters: 4, shards: 1 });
      await log.next('trainModel', (input: { iteration: number }) => input.iteration === 3);
      const progress = await handle.query(progressQuery);
      assert.deepEqual([progress.iteration, progress.phase, progress.totalSteps], [3, 'training', 8]);
      assert.deepEqual(
        progress.metrics.map((m) => m.iteration),
        [1, 2],
        'the metrics of earlier runs are carried',
      );
      third.open();
      const result = await handle.result();

      assert.equal(log.inputs('prepareExperiment').length, 1, 'prepared once, in the first run');
      const layout = (i: number) => iterationLayout(MOCK_ROOT, exp, i);
      const generateWith = log.inputs('generateShard').map((g) => [g.iteration, g.checkpointUri, g.datasetDir]);
      assert.deepEqual(generateWith, [
        [1, BASE_MODEL, `${MOCK_ROOT}/prepared-dataset`],
        [2, `${layout(1).modelDir}/step_4`, `${MOCK_ROOT}/prepared-dataset`],
        [3, `${layout(2).modelDir}/step_6`, `${MOCK_ROOT}/prepared-dataset`],
      ]);
      assert.deepEqual(
        log.inputs('writeIterationConfig').map((c) => c.previousConfigUri),
        [experimentLayout(MOCK_ROOT, exp).baseConfig, layout(1).config, layout(2).config],
        "each config copies the previous iteration's",
      );
      assert.deepEqual(
        log.inputs('trainModel').map((t) => t.baseCheckpointUri),
        [BASE_MODEL, BASE_MODEL, BASE_MODEL],
      );

      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.equal(result.iterations, 3);
      assert.deepEqual(
        result.metrics.map((m) => [m.iteration, m.totalSteps]),
        [
          [1, 4],
          [2, 6],
          [3, 8],
        ],
      );
      const runs = await historiesOf(env.client, handle);
      assert.equal(runs.length, 3, 'one run per iteration');
      for (const { history } of runs.slice(0, 2)) {
        assert.ok(history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes, 'each run but the last continues as new');
      }
    });
  });

  void describe('messages', () => {
    void it('setNIters: the validator refuses a bound below the running iteration + 1 (in every run) or past the growth limit; a valid one is carried on', async () => {
      const [first, second] = [gate(), gate()];
      const { activities, log } = mockActivities({
        generateShard: async (input) => {
          await (input.iteration === 1 ? first : second).promise;
          return answering.generateShard(input);
        },
      });
      const exp = uniqueExperiment('niters');
      const refused = (smallest: number) => (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.match(String((err.cause as Error).message), new RegExp(`smallest allowed value is ${smallest}$`));
        return true;
      };
      const handle = await start(exp, activities, { nIters: 3, shards: 1 });
      await log.next('generateShard');
      await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [1] }), refused(2));
      await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [2.5] }), refused(2));
      await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [2 ** 52] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.match(
          String((err.cause as Error).message),
          /^nIters 4503599627370496: the steady growth rule gives \d+ training steps .* more than 2\^53 - 1/,
        );
        return true;
      });
      await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [MAX_ITERATIONS + 1] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.match(
          String((err.cause as Error).message),
          new RegExp(`^nIters ${MAX_ITERATIONS + 1}: at most ${MAX_ITERATIONS} iterations`),
        );
        return true;
      });
      assert.deepEqual(await handle.executeUpdate(setNItersUpdate, { args: [4] }), { previous: 3, nIters: 4 });
      first.open();

      await log.next('generateShard', (input: { iteration: number }) => input.iteration === 2);
      assert.equal((await handle.query(progressQuery)).nIters, 4, 'the new bound is carried into the next run');
      await assert.rejects(handle.executeUpdate(setNItersUpdate, { args: [2] }), refused(3));
      second.open();
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      if (result.outcome === 'finished') assert.equal(result.iterations, 3, 'iterations 1..nIters-1 with the new nIters');
      const accepted = (await eventsOf(handle)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.equal(accepted.length, 1, 'a refused update leaves nothing in history');
      await captureHistories(env, handle, 'set-niters');
    });

    void it('stopAfterIteration: the running iteration finishes (train, eval, metrics), then the run completes as stopped', async () => {
      const training = gate();
      const { activities, log } = mockActivities({
        trainModel: async (input) => {
          await training.promise;
          return answering.trainModel(input);
        },
      });
      const exp = uniqueExperiment('stop');
      const handle = await start(exp, activities, { nIters: 10, shards: 1 });
      await log.next('trainModel');
      await handle.signal(stopAfterIterationSignal);
      const progress = await handle.query(progressQuery);
      assert.deepEqual([progress.stopRequested, progress.phase, progress.nIters], [true, 'training', 10]);
      training.open();
      const result = await handle.result();
      assert.equal(result.outcome, 'stopped');
      if (result.outcome !== 'stopped') return;
      assert.equal(result.iterations, 1);
      assert.equal(result.metrics.length, 1);
      assert.deepEqual(log.names().slice(-4), ['trainModel', 'evalShard', 'mergeEval', 'recordMetrics'], 'the iteration ran to its end');
      assert.equal(log.inputs('generateShard').filter((g) => g.iteration === 2).length, 0, 'no next iteration');
      assert.equal((await historiesOf(env.client, handle)).length, 1, 'no continue-as-new');
      await captureHistories(env, handle, 'stop-after-iteration');
    });
  });

  void describe('inputs that run nothing', () => {
    void it('returns the plan of a dry run without calling any activity', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('dry');
      const handle = await start(exp, activities, { dryRun: true, nIters: 4 });
      const result = await handle.result();
      assert.equal(result.outcome, 'dry-run');
      if (result.outcome !== 'dry-run') return;
      assert.deepEqual(
        result.plan.iterations.map((p) => p.totalSteps),
        [4, 6, 8],
      );
      assert.equal(result.plan.iterations[1]?.generateWith, result.plan.iterations[0]?.checkpoint);
      assert.deepEqual(log.calls, []);
      assert.equal(
        (await eventsOf(handle)).some((e) => e.activityTaskScheduledEventAttributes),
        false,
      );
    });

    void it('returns the plan of a dry run of 64 iterations of 2,000 shards within the payload limit, the shards as a pattern', async () => {
      const { activities } = mockActivities();
      const exp = uniqueExperiment('dry-big');
      const result = await (await start(exp, activities, { dryRun: true, nIters: 65, shards: 2000 })).result();
      assert.equal(result.outcome, 'dry-run');
      if (result.outcome !== 'dry-run') return;
      assert.equal(result.plan.iterations.length, 64);
      assert.deepEqual(result.plan.iterations[63]?.generateShards, {
        count: 2000,
        uris: iterationLayout(MOCK_ROOT, exp, 64).generateShard(0, 2000).replace('shard-0-', 'shard-{k}-'),
      });
      // Temporal refuses payloads over 2 MB (and warns past 512 kB): a list of every shard's file was 9 MB here.
      assert.ok(JSON.stringify(result).length < 512_000, `the plan is ${JSON.stringify(result).length} bytes`);
    });

    void it('keeps the result of a dry run of the most iterations small: the first iterations listed, the rest counted', async () => {
      const { activities } = mockActivities();
      const exp = uniqueExperiment('dry-long');
      const result = await (
        await start(exp, activities, { dryRun: true, nIters: MAX_ITERATIONS, shards: 2000, steadyGrow: true })
      ).result();
      assert.equal(result.outcome, 'dry-run');
      if (result.outcome !== 'dry-run') return;
      assert.equal(result.plan.iterationCount, MAX_ITERATIONS - 1);
      assert.equal(result.plan.iterations.length, DRY_RUN_LISTED_ITERATIONS);
      assert.equal(result.plan.iterations.at(-1)?.iteration, DRY_RUN_LISTED_ITERATIONS);
      assert.ok(JSON.stringify(result).length < 512_000, `the plan is ${JSON.stringify(result).length} bytes`);
    });

    void it('fails at once, before any activity, listing every problem of an invalid input', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('invalid');
      registry.register(exp, activities);
      const handle = await env.client.workflow.start('starExperiment', {
        taskQueue: workers[0]!.taskQueue,
        workflowId: exp,
        args: [{ experiment: exp, task: 'arithmetic', nIters: 0, steadyGrow: true, exponentialGrow: true, nIter: 5, pRationalization: 2 }],
      });
      await assert.rejects(handle.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.ok(err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'InvalidExperimentInput');
        assert.equal(err.cause.nonRetryable, true);
        for (const field of ['nIters', 'pRationalization', 'nIter', 'exponentialGrow'])
          assert.match(err.cause.message, new RegExp(`at ${field}`));
        assert.match(err.cause.message, /4 problems/);
        return true;
      });
      await captureHistories(env, handle, 'invalid-input');
      assert.deepEqual(log.calls, []);
    });

    void it('refuses a workflow ID that is not the experiment name', async () => {
      const { activities, log } = mockActivities();
      const workflowId = uniqueExperiment('other');
      registry.register(workflowId, activities);
      const handle = await env.client.workflow.start(starExperiment, {
        taskQueue: workers[0]!.taskQueue,
        workflowId,
        args: [tinyExperiment('some-name', MOCK_ROOT, BASE_MODEL, BASE_CONFIG)],
      });
      await assert.rejects(handle.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.match(String(err.cause?.message), /workflow ID must be the experiment name: start it with --workflow-id some-name/);
        return true;
      });
      assert.deepEqual(log.calls, []);
    });
  });

  void describe('failures', () => {
    void it('wraps a failed step as StepFailed, naming the iteration, the step, the cause and `star resume`', async () => {
      const { activities, log } = mockActivities({
        writeIterationConfig: async () => {
          throw ApplicationFailure.nonRetryable('base trainer config /x/base.json does not exist; restore it', 'MissingFile');
        },
      });
      const exp = uniqueExperiment('config-fails');
      const failure = await stepFailure(await start(exp, activities, { nIters: 2 }));
      assert.equal(
        failure.message,
        `iteration 1, config (writeIterationConfig) failed: base trainer config /x/base.json does not exist; restore it. ` +
          `Fix the cause, then run \`star resume ${exp}\` to continue from this step.`,
      );
      assert.deepEqual(failure.details, [{ iteration: 1, phase: 'config', activityType: 'writeIterationConfig' }]);
      assert.ok(failure.cause instanceof ActivityFailure, 'the activity failure is kept as the cause');
      assert.ok(failure.cause.cause instanceof ApplicationFailure);
      assert.equal(failure.cause.cause.type, 'MissingFile');
      assert.equal(log.inputs('writeIterationConfig').length, 1, 'a non-retryable failure is not retried');
      assert.equal(log.inputs('trainModel').length, 0, 'nothing after the failed step runs');
    });

    void it('says to start a new experiment, not to resume, when the step fails because of the options (0 training steps)', async () => {
      const { activities } = mockActivities({
        writeIterationConfig: async () => {
          throw ApplicationFailure.nonRetryable(
            'iteration 1: the epoch growth rule gives 0 training steps (only 2 examples were kept); nothing would be trained',
            'ZeroTrainingStepsError',
          );
        },
      });
      const exp = uniqueExperiment('zero-steps');
      const failure = await stepFailure(await start(exp, activities, { nIters: 2 }));
      assert.match(failure.message, /gives 0 training steps .*\. This follows from the experiment's options, which a run keeps/);
      assert.ok(
        failure.message.includes(`\`star resume ${exp}\` would fail the same way): start a new experiment with the options changed`),
        failure.message,
      );
      assert.doesNotMatch(failure.message, /Fix the cause, then run/);
    });

    void it('leaves the cure to the cause, not `star resume`, when a trained checkpoint is lost (a redo cures it)', async () => {
      const { activities } = mockActivities({
        evalShard: async () => {
          throw ApplicationFailure.nonRetryable(
            'weights.bin not found. It is the model iteration 1 trained: `star redo x --iteration 1 --step train` trains it again',
            'LostCheckpointError',
          );
        },
      });
      const exp = uniqueExperiment('lost-checkpoint');
      const failure = await stepFailure(await start(exp, activities, { nIters: 2 }));
      assert.match(
        failure.message,
        /^iteration 1, evaluating \(evalShard\) failed: .*`star redo x --iteration 1 --step train` trains it again\.$/,
      );
      assert.doesNotMatch(failure.message, /star resume/);
    });

    void it('names the preparing step when prepareExperiment fails', async () => {
      const { activities } = mockActivities({
        prepareExperiment: async () => {
          throw ApplicationFailure.nonRetryable('base checkpoint file:///nowhere has no manifest.json', 'MissingCheckpoint');
        },
      });
      const exp = uniqueExperiment('prepare-fails');
      const failure = await stepFailure(await start(exp, activities));
      assert.match(
        failure.message,
        /^iteration 1, preparing \(prepareExperiment\) failed: base checkpoint file:\/\/\/nowhere has no manifest\.json\./,
      );
    });

    void it('retries a transient failure and goes on; fails the step once the attempts are used up', async () => {
      let recordsCalls = 0;
      const flaky = mockActivities({
        writeRecords: async (input) => {
          recordsCalls += 1;
          if (recordsCalls === 1) throw transient('store briefly unreachable');
          return answering.writeRecords(input);
        },
      });
      const result = await (await start(uniqueExperiment('flaky'), flaky.activities, { nIters: 2, shards: 1 })).result();
      assert.equal(result.outcome, 'finished');
      assert.equal(flaky.log.inputs('writeRecords').length, 2);

      const broken = mockActivities({
        mergeGeneration: async () => {
          throw transient('store unreachable');
        },
      });
      const failure = await stepFailure(await start(uniqueExperiment('broken'), broken.activities, { nIters: 2, shards: 1 }));
      assert.match(failure.message, /^iteration 1, merging \(mergeGeneration\) failed: store unreachable\./);
      assert.equal(broken.log.inputs('mergeGeneration').length, 5, 'the policy allows 5 attempts');
    });

    void it('cancels the sibling shards when one shard fails (allOrCancel)', async () => {
      const cancelled = new Map<number, ActivityCancellationDetails | undefined>();
      const { activities, log } = mockActivities({
        generateShard: async (input) => {
          if (input.shard !== 0) return untilCancelled((details) => cancelled.set(input.shard, details));
          // Fail only once both siblings are running, so there is something to cancel.
          await Promise.all([1, 2].map((k) => log.next('generateShard', (g: { shard: number }) => g.shard === k)));
          throw ApplicationFailure.nonRetryable('shard 0: corrupt line 7 in train_rand_split.jsonl', 'CorruptDataset');
        },
      });
      const exp = uniqueExperiment('siblings');
      const handle = await start(exp, activities, { nIters: 2, shards: 3 });
      const failure = await stepFailure(handle);
      // The siblings hear of it on their next heartbeat.
      await until(() => cancelled.size >= 2);
      assert.match(failure.message, /^iteration 1, generating \(generateShard\) failed: shard 0: corrupt line 7/);
      assert.deepEqual([...cancelled.keys()].sort(), [1, 2]);
      // The run failed in the same workflow task, so the siblings may hear "not found" rather than
      // "cancel requested"; the history says whether the workflow asked.
      assert.deepEqual(
        await cancelRequestedActivities(handle),
        ['generateShard', 'generateShard'],
        'the workflow asked to cancel both siblings',
      );
      assert.equal(log.inputs('mergeGeneration').length, 0);
    });
  });

  void describe('a pass of more shards than maxPendingShards', () => {
    /** The most activities of `type` pending at once: scheduled and not yet closed, event by event. */
    async function maxPending(handle: Handle, type: string): Promise<number> {
      const events = await eventsOf(handle);
      const ofType = new Set(
        events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => String(e.eventId)),
      );
      let pending = 0;
      let most = 0;
      for (const e of events) {
        if (ofType.has(String(e.eventId))) pending += 1;
        const closed =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        if (closed && ofType.has(String(closed.scheduledEventId))) pending -= 1;
        most = Math.max(most, pending);
      }
      return most;
    }
    const briefly = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 20));

    void it('never has more than maxPendingShards shard activities pending, and still runs every shard in order', async () => {
      const answer = answeringActivities();
      const { activities, log } = mockActivities({
        generateShard: async (input) => briefly(await answer.generateShard(input)),
        evalShard: async (input) => briefly(await answer.evalShard(input)),
      });
      const exp = uniqueExperiment('bounded');
      const handle = await start(exp, activities, { nIters: 2, shards: 7, maxPendingShards: 3 });
      await handle.result();
      await captureHistories(env, handle, 'bounded-shards');

      assert.equal(await maxPending(handle, 'generateShard'), 3);
      assert.equal(await maxPending(handle, 'evalShard'), 3);
      const it1 = iterationLayout(MOCK_ROOT, exp, 1);
      assert.deepEqual(
        log
          .inputs('generateShard')
          .map((g) => g.shard)
          .sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6],
      );
      assert.deepEqual(
        log.inputs('mergeGeneration')[0]?.shardUris,
        Array.from({ length: 7 }, (_, k) => it1.generateShard(k, 7)),
      );
      assert.deepEqual(
        log.inputs('mergeEval')[0]?.shardUris,
        Array.from({ length: 7 }, (_, k) => it1.evalShard(k, 7)),
      );
    });

    void it('starts no further shard once one has failed, and cancels the running ones', async () => {
      const cancelled: number[] = [];
      const { activities, log } = mockActivities({
        generateShard: async (input) => {
          if (input.shard !== 1) return untilCancelled(() => cancelled.push(input.shard));
          await log.next('generateShard', (g: { shard: number }) => g.shard === 0);
          throw ApplicationFailure.nonRetryable('shard 1: corrupt line 3', 'CorruptDataset');
        },
      });
      const handle = await start(uniqueExperiment('bounded-fail'), activities, { nIters: 2, shards: 6, maxPendingShards: 2 });
      const failure = await stepFailure(handle);
      assert.match(failure.message, /generating \(generateShard\) failed: shard 1: corrupt line 3/);
      await until(() => cancelled.length >= 1);
      assert.deepEqual(cancelled, [0]);
      const scheduled = (await eventsOf(handle)).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateShard',
      );
      assert.equal(scheduled.length, 2, 'shards 2..5 never started');
      assert.deepEqual(await cancelRequestedActivities(handle), ['generateShard']);
    });
  });

  void describe('the command trainer (trainOnHosts)', () => {
    const commandTrainer = { nIters: 2, shards: 1, trainer: 'command' as const, hosts: [...HOSTS] };

    void it('retries the whole step on every host when one host has used up its attempts', async () => {
      const { activities } = mockActivities();
      const calls = { a: 0, b: 0 };
      const cancelledA: (ActivityCancellationDetails | undefined)[] = [];
      const hosts: Record<string, TrainOnHost> = {
        [hostA]: async (input) => {
          calls.a += 1;
          // Busy in the first whole-step attempt until cancelled; then trains.
          if (calls.a === 1) return untilCancelled((details) => cancelledA.push(details));
          return answerTrainOnHost(input);
        },
        [hostB]: async (input) => {
          calls.b += 1;
          if (calls.b <= 3) throw transient(`host ${input.host}: device busy`);
          return answerTrainOnHost(input);
        },
      };
      const exp = uniqueExperiment('whole-step');
      const handle = await start(exp, activities, commandTrainer, hosts);
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.equal(result.metrics[0]?.checkpointUri, `${iterationLayout(MOCK_ROOT, exp, 1).modelDir}/step_4`, "host 0's checkpoint");
      assert.deepEqual(calls, { a: 2, b: 4 }, 'host b: 3 attempts in the first whole step, 1 in the second; host a once per whole step');
      await until(() => cancelledA.length >= 1);
      assert.equal(cancelledA[0]?.cancelRequested, true, "host a's first attempt was cancelled when host b gave up");
      assert.deepEqual(await cancelRequestedActivities(handle), ['trainOnHost']);
    });

    void it('fails the step after the last whole-step attempt', async () => {
      const { activities } = mockActivities();
      const calls = { a: 0, b: 0 };
      const hosts: Record<string, TrainOnHost> = {
        [hostA]: async (input) => {
          calls.a += 1;
          return answerTrainOnHost(input);
        },
        [hostB]: async (input) => {
          calls.b += 1;
          throw transient(`host ${input.host}: device busy`);
        },
      };
      const failure = await stepFailure(await start(uniqueExperiment('hosts-exhausted'), activities, commandTrainer, hosts));
      assert.match(failure.message, new RegExp(`^iteration 1, training \\(trainOnHost\\) failed: host ${hostB}: device busy\\.`));
      assert.deepEqual(calls, { a: 3, b: 9 }, '3 whole-step attempts, 3 attempts of host b in each');
    });

    void it('does not retry the whole step for a non-retryable failure, and cancels the other hosts', async () => {
      const { activities } = mockActivities();
      const calls = { a: 0, b: 0 };
      const cancelledA: unknown[] = [];
      const aRunning = gate();
      const hosts: Record<string, TrainOnHost> = {
        [hostA]: async () => {
          calls.a += 1;
          aRunning.open();
          return untilCancelled((details) => cancelledA.push(details));
        },
        [hostB]: async () => {
          calls.b += 1;
          await aRunning.promise;
          throw ApplicationFailure.nonRetryable('command template has no {config}', 'InvalidCommandTemplate');
        },
      };
      const handle = await start(uniqueExperiment('hosts-bad-input'), activities, commandTrainer, hosts);
      const failure = await stepFailure(handle);
      await until(() => cancelledA.length >= 1);
      assert.match(failure.message, /^iteration 1, training \(trainOnHost\) failed: command template has no \{config\}\./);
      assert.deepEqual(calls, { a: 1, b: 1 }, 'one attempt, no whole-step retry');
      assert.deepEqual(await cancelRequestedActivities(handle), ['trainOnHost'], "the workflow asked to cancel host a's training");
    });
  });

  void describe('the command trainer across nodes (a rendezvous)', () => {
    const TORCHRUN =
      'torchrun --nnodes {host_count} --node_rank {host_index} --nproc_per_node {nproc_per_node} ' +
      '--master_addr {master_addr} --master_port {master_port} -m star_trainer.train --config {config}';
    const multiNode = { nIters: 2, shards: 1, trainer: 'command' as const, hosts: [...HOSTS], commandTemplate: TORCHRUN, nprocPerNode: 4 };

    /** The task queue each activity of `name` was scheduled on, in history order. */
    async function taskQueuesOf(handle: Handle, name: string): Promise<string[]> {
      return (await eventsOf(handle)).flatMap((e) => {
        const scheduled = e.activityTaskScheduledEventAttributes;
        return scheduled?.activityType?.name === name ? [scheduled.taskQueue?.name ?? '?'] : [];
      });
    }

    void it('publishes the rendezvous host 0 picks to every host, and a retried step meets at a newly picked one', async () => {
      const { activities } = mockActivities();
      const picked: string[] = [];
      const inputs: TrainOnHostInput[] = [];
      const calls = { a: 0, b: 0 };
      const aCancelled: unknown[] = [];
      const aRunning = gate();
      const rendezvous: Record<string, PickRendezvous> = {
        [hostA]: async (input) => {
          picked.push(input.host);
          return { addr: `${input.host}.internal`, port: 29500 + picked.length, chosenBy: 'host' };
        },
      };
      const hosts: Record<string, TrainOnHost> = {
        [hostA]: async (input) => {
          inputs.push(input);
          calls.a += 1;
          if (calls.a > 1) return answerTrainOnHost(input);
          aRunning.open();
          return untilCancelled((details) => aCancelled.push(details));
        },
        [hostB]: async (input) => {
          inputs.push(input);
          calls.b += 1;
          // Its rank dies once: a new process cannot join the running job, so the whole step goes again.
          await aRunning.promise;
          if (calls.b === 1) throw transient(`host ${input.host}: rank 5 exited with signal SIGKILL`);
          return answerTrainOnHost(input);
        },
      };
      const exp = uniqueExperiment('rendezvous');
      const handle = await start(exp, activities, multiNode, hosts, rendezvous);
      const result = await handle.result();
      assert.equal(result.outcome, 'finished');
      await captureHistories(env, handle, 'rendezvous');

      assert.deepEqual(picked, [hostA, hostA], 'host 0 picked once per attempt of the step');
      assert.deepEqual(await taskQueuesOf(handle, 'pickRendezvous'), [hostTaskQueue(hostA), hostTaskQueue(hostA)]);
      assert.deepEqual(calls, { a: 2, b: 2 }, 'host b was not retried alone: the whole step was, once');
      assert.equal(aCancelled.length, 1, "host a's first attempt was cancelled when host b failed");
      const meeting = (attempt: number) =>
        inputs
          .filter((input) => input.rendezvous?.port === 29500 + attempt)
          .map((input) => [input.host, input.hostIndex, input.rendezvous?.addr, input.nprocPerNode])
          .sort();
      const both = [
        [hostA, 0, `${hostA}.internal`, 4],
        [hostB, 1, `${hostA}.internal`, 4],
      ];
      assert.deepEqual(meeting(1), both, "both hosts of the first attempt met at host a's first port");
      assert.deepEqual(meeting(2), both, 'both hosts of the retried step met at the port picked for it');
      assert.equal(inputs.length, 4);
    });

    void it('uses the rendezvous the experiment fixes without asking host 0, and gives no rendezvous to a command without one', async () => {
      const { activities } = mockActivities();
      const inputs: TrainOnHostInput[] = [];
      const hosts = Object.fromEntries(
        HOSTS.map((host) => [
          host,
          async (input: TrainOnHostInput) => {
            inputs.push(input);
            return answerTrainOnHost(input);
          },
        ]),
      );
      const fixed = await start(
        uniqueExperiment('rendezvous-fixed'),
        activities,
        { ...multiNode, rendezvous: { addr: '10.0.0.10', port: 29400 } },
        hosts,
      );
      assert.equal((await fixed.result()).outcome, 'finished');
      assert.deepEqual(await taskQueuesOf(fixed, 'pickRendezvous'), []);
      assert.deepEqual(
        inputs.map((input) => input.rendezvous),
        HOSTS.map(() => ({ addr: '10.0.0.10', port: 29400, chosenBy: 'input' })),
      );

      inputs.length = 0;
      const standalone = await start(
        uniqueExperiment('no-rendezvous'),
        activities,
        { ...multiNode, commandTemplate: 'python3 device_train.py --config {config}', nprocPerNode: 1 },
        hosts,
      );
      assert.equal((await standalone.result()).outcome, 'finished');
      assert.deepEqual(await taskQueuesOf(standalone, 'pickRendezvous'), []);
      assert.deepEqual(
        inputs.map((input) => [input.rendezvous, input.nprocPerNode]),
        HOSTS.map(() => [undefined, undefined]),
        'the activity input of a command without the placeholders is what it was before them',
      );
    });
  });

  void describe('tracking', () => {
    void it('syncs the trackers after the base row and after each iteration, and not at all without tracking', async () => {
      const { activities, log } = mockActivities();
      const exp = uniqueExperiment('tracking');
      const handle = await start(exp, activities, { nIters: 3, baseEval: true, tracking: ['mlflow', 'wandb'] });
      const result = await handle.result();
      await captureHistories(env, handle, 'tracking');
      assert.equal(result.outcome, 'finished');
      const names = log.names();
      const recordsThenSync = names.flatMap((name, i) => (name === 'recordMetrics' ? [names[i + 1]] : []));
      assert.deepEqual(
        recordsThenSync,
        ['syncTracking', 'syncTracking', 'syncTracking'],
        'each stored row (base, 1, 2) is followed by a sync',
      );
      assert.deepEqual(log.inputs('syncTracking')[0], { root: MOCK_ROOT, experiment: exp, trackers: ['mlflow', 'wandb'] });

      const plain = mockActivities();
      await (await start(uniqueExperiment('no-tracking'), plain.activities, { nIters: 2 })).result();
      assert.equal(plain.log.names().includes('syncTracking'), false);
    });

    void it('goes on to finish when every attempt of a sync fails (the tracker is down)', async () => {
      let attempts = 0;
      const { activities, log } = mockActivities({
        syncTracking: async () => {
          attempts += 1;
          throw transient('MLflow at http://127.0.0.1:1 did not answer');
        },
      });
      const result = await (await start(uniqueExperiment('tracker-down'), activities, { nIters: 3, tracking: ['mlflow'] })).result();
      assert.equal(result.outcome, 'finished');
      if (result.outcome !== 'finished') return;
      assert.equal(result.iterations, 2);
      assert.equal(attempts, 6, 'three attempts after each of the two iterations, then the loop goes on');
      assert.equal(log.names().filter((n) => n === 'trainModel').length, 2);
    });
  });
});
