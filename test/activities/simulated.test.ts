/**
 * The `simulated` inference and trainer (capacity planning): the sampler's keyed pattern judged by the
 * tasks' real answer checkers, the shard activities run through it, and the trainer's marker
 * checkpoint, per-step heartbeats and resume after a kill.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { simulatedSampler } from '../../activities/simulated-sampler';
import { SIMULATED_MARKER } from '../../activities/simulated-checkpoint';
import { arithmeticProblems } from '../../core/arithmetic-problems';
import { keyedUnit } from '../../core/prng';
import type { Example } from '../../core/example';
import { buildPrompt } from '../../core/prompt';
import { sampleSeed } from '../../core/rationale-selection';
import { simulatedCompletion } from '../../core/simulated-completion';
import { createArithmeticTask, checkCommonsenseQa, checkGsm } from '../../core/tasks';
import { iterationSeed } from '../../core/train-sample';
import { selectExamples, taskFor } from '../../activities/examples';
import type { TrainingProgress } from '../../contracts/heartbeats';
import type { TrainModelResult } from '../../contracts/activities';
import { parseExperimentInputOrThrow, type ExperimentOptions } from '../../contracts/experiment-input';
import { evalSampleUriOf, iterationLayout } from '../../contracts/layout';
import { scratchDir } from '../../test-support/experiment-input';

const task = createArithmeticTask({ trainDigits: [1, 2, 3], countPerDigit: 20, seed: 0 });
const examples = arithmeticProblems({ digits: [1, 2, 3], countPerDigit: 20, seed: 0 });
const settings = { seed: 7, modelIteration: 0, correctRate: 0.5, sampleMs: 0 };

/** The keyed draw the simulation documents: (seed, model iteration, request seed). */
const drawnCorrect = (seed: number, modelIteration: number, requestSeed: number, rate: number) =>
  keyedUnit(seed, 'simulated-correct', `${modelIteration}\u0000${requestSeed}`) < rate;

function simulatedOptions(root: string, overrides: Record<string, unknown> = {}): ExperimentOptions {
  return parseExperimentInputOrThrow({
    experiment: 'sim',
    task: 'arithmetic',
    storageRoot: root,
    nTrainSamples: 60,
    inference: 'simulated',
    trainer: 'simulated',
    baseModelLocation: 'file:///nowhere/base-model',
    arithmetic: { trainDigits: [1, 2, 3], devDigits: [1, 2], trainPerDigit: 20, devPerDigit: 10 },
    ...overrides,
  });
}

void describe('the simulated sampler', () => {
  const pass = { task, examples, fewShots: [['Input:\n1 + 2\nTarget: 3']], direct: false };

  void it('answers plain and hinted prompts from the answer key, correct exactly where the keyed draw says', async () => {
    const sample = simulatedSampler(pass, settings);
    const requests = examples.flatMap((e, n) => [
      {
        prompt: buildPrompt(pass.fewShots[0] as string[], task.context(e, { hint: false }), { noPrompt: false }),
        seed: sampleSeed(3, e.id, false, n % 2),
      },
      { prompt: task.context(e, { hint: true }), seed: sampleSeed(3, e.id, true) },
    ]);
    const outputs = await sample(requests);
    const verdicts = outputs.map((out, n) => task.check(examples[Math.floor(n / 2)] as Example, out).correct);
    const expected = requests.map((r) => drawnCorrect(7, 0, r.seed, 0.5));
    assert.deepEqual(verdicts, expected);
    const share = verdicts.filter(Boolean).length / verdicts.length;
    assert.ok(share > 0.3 && share < 0.7, `about half correct, got ${share}`);
    assert.deepEqual(await simulatedSampler(pass, settings)(requests), outputs, 'the same requests give the same outputs');
    const nextModel = await simulatedSampler(pass, { ...settings, modelIteration: 1 })(requests);
    assert.notDeepEqual(nextModel, outputs, 'another model iteration has its own pattern');
  });

  void it('is never right at rate 0 and always right at rate 1', async () => {
    const requests = examples.map((e) => ({ prompt: task.context(e, { hint: false }), seed: 1 }));
    for (const rate of [0, 1]) {
      const outputs = await simulatedSampler(pass, { ...settings, correctRate: rate })(requests);
      assert.ok(outputs.every((out, n) => task.check(examples[n] as Example, out).correct === (rate === 1)));
    }
  });

  void it('takes simulatedSampleMs per sample and reports progress as it goes', async () => {
    const requests = examples.slice(0, 10).map((e) => ({ prompt: task.context(e, { hint: false }), seed: 1 }));
    const done: number[] = [];
    const started = Date.now();
    await simulatedSampler(pass, { ...settings, sampleMs: 5 })(requests, (n) => done.push(n));
    assert.ok(Date.now() - started >= 45, 'ten samples at 5 ms');
    assert.equal(done[done.length - 1], 10);
  });

  void it('refuses a prompt about none of its examples', async () => {
    await assert.rejects(simulatedSampler(pass, settings)([{ prompt: 'Input:\n9 + 9\nTarget:', seed: 1 }]), /none of its 60 examples/);
  });

  void it('writes continuations the commonsenseqa and gsm checkers judge as intended', () => {
    const cqa: Example = {
      id: 'q1',
      answer: 'c',
      cls: 'commonsenseqa',
      hint: '',
      question: 'Where?',
      choices: ['a', 'b', 'c'].map((label) => ({ label, text: label })),
    };
    assert.equal(checkCommonsenseQa(cqa, simulatedCompletion('commonsenseqa', cqa, true, { direct: false })).correct, true);
    assert.equal(checkCommonsenseQa(cqa, simulatedCompletion('commonsenseqa', cqa, false, { direct: false })).correct, false);
    const gsm: Example = { id: 'g1', answer: '18', cls: 'gsm', hint: '18', question: 'How many?' };
    assert.equal(checkGsm(gsm, simulatedCompletion('gsm', gsm, true, { direct: false })).correct, true);
    assert.equal(checkGsm(gsm, simulatedCompletion('gsm', gsm, false, { direct: false })).correct, false);
    const sum = examples[30] as Example;
    assert.equal(task.check(sum, simulatedCompletion('arithmetic', sum, true, { direct: true }), { direct: true }).correct, true);
    assert.equal(task.check(sum, simulatedCompletion('arithmetic', sum, false, { direct: true }), { direct: true }).correct, false);
  });
});

void describe('shards and training with simulated inference and trainer', { timeout: 60_000 }, () => {
  let root: string;
  let options: ExperimentOptions;
  const acts = createActivities({ chunkSize: 8 });

  before(() => {
    root = scratchDir('simulated');
    options = simulatedOptions(root);
  });

  async function generate(shards: number, folder: string) {
    const it1 = iterationLayout(pathToFileURL(join(root, folder)).href, 'sim', 1);
    const parts = await Promise.all(
      Array.from({ length: shards }, (_, shard) =>
        acts.generateShard({
          options,
          datasetDir: '',
          iteration: 1,
          shard,
          shards,
          checkpointUri: options.baseModelLocation,
          outputUri: it1.generateShard(shard, shards),
        }),
      ),
    );
    return acts.mergeGeneration({
      options,
      iteration: 1,
      shardUris: parts.map((p) => p.outputUri),
      keptTextUri: it1.keptText,
      manifestUri: it1.done.generate,
    });
  }

  void it('generation keeps exactly the drawn-correct examples, the same for any shard count, with no checkpoint to read', async () => {
    const one = await generate(1, 'k1');
    const three = await generate(3, 'k3');
    const selected = selectExamples(options, 'train', 1, await taskFor(options, 'train').loadSplit('', 'train'));
    const seed = iterationSeed(options.seed, 1);
    const expected = selected.filter((e) => drawnCorrect(options.seed, 0, sampleSeed(seed, e.id), options.simulatedCorrectRate)).length;
    assert.equal(one.counts.attempted, 60);
    assert.equal(one.counts.kept, expected);
    assert.equal(one.counts.correct, expected);
    assert.equal(readFileSync(new URL(one.keptTextUri), 'utf8'), readFileSync(new URL(three.keptTextUri), 'utf8'));
  });

  void it('trains by heartbeating every step, leaves a marker checkpoint eval accepts, and eval refuses a folder without one', async () => {
    const it1 = iterationLayout(pathToFileURL(join(root, 'train')).href, 'sim', 1);
    const records = writeRecordsIndex(join(root, 'train-records'));
    const env = new MockActivityEnvironment();
    const steps: number[] = [];
    env.on('heartbeat', (d: TrainingProgress) => steps.push(d.step));
    const trained: TrainModelResult = await env.run(
      acts.trainModel,
      trainInput(it1, records, simulatedOptions(root, { simulatedStepMs: 1 })),
    );
    assert.deepEqual(
      steps,
      Array.from({ length: 6 }, (_, k) => k),
    );
    assert.equal(trained.checkpointUri, `${it1.modelDir}/step_5`);
    const marker = JSON.parse(readFileSync(new URL(`${trained.checkpointUri}/${SIMULATED_MARKER}`), 'utf8')) as {
      kind: string;
      step: number;
    };
    assert.deepEqual([marker.kind, marker.step], ['simulated', 5]);

    const evaluated = await acts.evalShard({
      options,
      datasetDir: '',
      iteration: 1,
      shard: 0,
      shards: 1,
      checkpointUri: trained.checkpointUri,
      outputUri: it1.evalShard(0, 1),
    });
    assert.equal(
      Object.values(evaluated.tally).reduce((n, c) => n + c.total, 0),
      20,
    );
    const completions = JSON.parse(readFileSync(new URL(evalSampleUriOf(it1.evalShard(0, 1))), 'utf8')) as {
      correct: boolean;
      output: string;
    }[];
    assert.deepEqual(
      completions.map((c) => c.correct),
      [true, true, true, true, false, false, false, false],
      'eval keeps raw completions, right and wrong',
    );
    await assert.rejects(
      acts.evalShard({
        options,
        datasetDir: '',
        iteration: 1,
        shard: 0,
        shards: 1,
        checkpointUri: `${it1.modelDir}/step_9`,
        outputUri: it1.evalShard(0, 2),
      }),
      (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.message.includes(`step_9 has no ${SIMULATED_MARKER}`),
    );
  });

  void it('a killed training attempt goes on from the step it last heartbeated', async () => {
    const it1 = iterationLayout(pathToFileURL(join(root, 'resume')).href, 'sim', 1);
    const input = trainInput(it1, writeRecordsIndex(join(root, 'resume-records')), simulatedOptions(root, { simulatedStepMs: 20 }));
    const first = new MockActivityEnvironment();
    let last: TrainingProgress | undefined;
    first.on('heartbeat', (d: TrainingProgress) => {
      last = d;
      if (d.step === 2) first.cancel('WORKER_SHUTDOWN');
    });
    await assert.rejects(first.run(acts.trainModel, input), (err: unknown) => err instanceof CancelledFailure);
    assert.equal(last?.step, 2);
    const second = new MockActivityEnvironment({ heartbeatDetails: last });
    const steps: number[] = [];
    second.on('heartbeat', (d: TrainingProgress) => steps.push(d.step));
    await second.run(acts.trainModel, input);
    assert.deepEqual(steps, [2, 3, 4, 5]);
  });
});

function writeRecordsIndex(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const records = join(dir, 'sim_0.tfrecords');
  writeFileSync(records, '');
  const index = join(dir, 'sim_1.index');
  writeFileSync(index, `${pathToFileURL(records).href}\n`);
  return pathToFileURL(index).href;
}

function trainInput(it1: ReturnType<typeof iterationLayout>, indexUri: string, options: ExperimentOptions) {
  return {
    options,
    iteration: 1,
    configUri: it1.config,
    indexUri,
    baseCheckpointUri: options.baseModelLocation,
    modelDir: it1.modelDir,
    totalSteps: 5,
    records: 1,
    manifestUri: it1.done.train,
  };
}
