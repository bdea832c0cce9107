/**
 * A whole experiment with `inference: "simulated"` and `trainer: "simulated"` (capacity planning) on
 * a real dev server: every activity, manifest, record and checkpoint marker is the real code; only the
 * sampler and the trainer's work are simulated, so the counts follow from the keyed pattern alone.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { SIMULATED_MARKER } from '../../activities/simulated-checkpoint';
import { selectExamples, taskFor } from '../../activities/examples';
import { readRecordsIndex } from '../../dataset-files/records';
import { keyedUnit } from '../../core/prng';
import { sampleSeed } from '../../core/rationale-selection';
import { iterationSeed } from '../../core/train-sample';
import { parseExperimentInputOrThrow, type ExperimentInput } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { normaliseRoot } from '../../storage';
import { starExperiment } from '../../workflows/star-experiment';
import { startOrAttach } from '../../cli/experiment-client';
import { uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, writeBaseConfig } from '../../test-support/experiment-input';

const correct = (seed: number, modelIteration: number, requestSeed: number, rate: number) =>
  keyedUnit(seed, 'simulated-correct', `${modelIteration}\u0000${requestSeed}`) < rate;

void describe('a simulated experiment on a dev server', { timeout: 180_000 }, () => {
  const suite = devServerSuite({ worker: { chunkSize: 16 } });
  let root: string;

  before(() => {
    root = scratchDir('simulated');
  });

  void it('runs two iterations whose kept, rationalized and dev counts are the keyed pattern, over 5 shards', async () => {
    const exp = uniqueExperiment('sim');
    const input: ExperimentInput = {
      experiment: exp,
      task: 'arithmetic',
      storageRoot: root,
      seed: 3,
      nIters: 3,
      nTrainSamples: 150,
      rationalize: true,
      steadyGrow: true,
      startSteps: 4,
      addSteps: 2,
      shards: 5,
      inference: 'simulated',
      trainer: 'simulated',
      simulatedCorrectRate: 0.4,
      simulatedStepMs: 1,
      baseModelLocation: 'file:///nowhere/simulated-base',
      baseConfig: writeBaseConfig(root),
      arithmetic: { trainDigits: [1, 2, 3], devDigits: [1, 2], trainPerDigit: 60, devPerDigit: 25 },
    };
    const result = await (
      await suite.env.client.workflow.start(starExperiment, { taskQueue: suite.worker.taskQueue, workflowId: exp, args: [input] })
    ).result();
    assert.equal(result.outcome, 'finished');
    assert.equal(result.iterations, 2);

    const options = parseExperimentInputOrThrow(input);
    const train = await taskFor(options, 'train').loadSplit('', 'train');
    const dev = await taskFor(options, 'dev').loadSplit('', 'dev');
    const rootUri = normaliseRoot(root);
    for (const row of result.metrics) {
      const i = row.iteration;
      const seed = iterationSeed(options.seed, i);
      const selected = selectExamples(options, 'train', i, train);
      const plain = selected.filter((e) => correct(options.seed, i - 1, sampleSeed(seed, e.id), 0.4));
      const hinted = selected.filter((e) => !plain.includes(e) && correct(options.seed, i - 1, sampleSeed(seed, e.id, true), 0.4));
      assert.equal(row.attempted, 150);
      assert.equal(row.correctSamples, plain.length, `iteration ${i}: plain correct`);
      assert.equal(row.rationalized, hinted.length, `iteration ${i}: rationalized`);
      assert.equal(row.kept, plain.length + hinted.length, `iteration ${i}: kept`);
      const devCorrect = dev.filter((e) => correct(options.seed, i, sampleSeed(options.seed, e.id), 0.4)).length;
      assert.equal(row.overallAccuracy, devCorrect / dev.length, `iteration ${i}: dev accuracy`);
      assert.equal(row.totalSteps, 4 + 2 * (i - 1));

      const it = iterationLayout(rootUri, exp, i);
      assert.equal(row.checkpointUri, `${it.modelDir}/step_${row.totalSteps}`);
      assert.ok(existsSync(new URL(`${row.checkpointUri}/${SIMULATED_MARKER}`)), 'the trainer left its marker');
      assert.ok((await readRecordsIndex(it.index)).length > 0, 'real records were written');
    }
    assert.notEqual(result.metrics[0]?.kept, result.metrics[1]?.kept, 'each iteration draws its own pattern');
  });

  void it("gives every run the commands start a 60 s workflow task timeout, room to replay a large iteration's history", async () => {
    const exp = uniqueExperiment('sim-wft');
    const options = parseExperimentInputOrThrow({
      experiment: exp,
      task: 'arithmetic',
      storageRoot: root,
      nIters: 3,
      nTrainSamples: 20,
      skipEval: true,
      steadyGrow: true,
      startSteps: 2,
      inference: 'simulated',
      trainer: 'simulated',
      baseModelLocation: 'file:///nowhere/simulated-base',
      baseConfig: writeBaseConfig(root),
      arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 20, devPerDigit: 1 },
    });
    const { handle } = await startOrAttach(suite.env.client, options, suite.worker.taskQueue);
    const first = (await handle.describe()).runId;
    await handle.result();
    // The last run is the one continue-as-new started: it inherits the timeout.
    const last = await suite.env.client.workflow.getHandle(exp).describe();
    assert.notEqual(last.runId, first);
    assert.equal(Number(last.raw.executionConfig?.defaultWorkflowTaskTimeout?.seconds), 60);
  });
});
