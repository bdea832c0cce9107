import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_GEN_LENGTH, MAX_ITERATIONS, parseExperimentInput } from '../../contracts/experiment-input';
import { planExperiment } from '../../workflows/plan';

void describe('experiment input', () => {
  void it('fills every reference option with the reference default', () => {
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic' });
    assert.ok(result.ok);
    const o = result.options;
    assert.deepEqual(
      {
        nIters: o.nIters,
        nTrainSamples: o.nTrainSamples,
        rationalize: o.rationalize,
        pRationalization: o.pRationalization,
        pShowHintSave: o.pShowHintSave,
        direct: o.direct,
        noPrompt: o.noPrompt,
        fewShotTrain: o.fewShotTrain,
        genLength: o.genLength,
        gradientAccumulationSteps: o.gradientAccumulationSteps,
        sequenceCount: o.sequenceCount,
        copyN: o.copyN,
        skipEval: o.skipEval,
        dryRun: o.dryRun,
        steadyGrow: o.steadyGrow,
        exponentialGrow: o.exponentialGrow,
        startSteps: o.startSteps,
        addSteps: o.addSteps,
        growSteps: o.growSteps,
        baseEpochs: o.baseEpochs,
        addEpochs: o.addEpochs,
        temperature: o.temperature,
        topP: o.topP,
      },
      {
        nIters: 64,
        nTrainSamples: 10000,
        rationalize: false,
        pRationalization: 1,
        pShowHintSave: 0,
        direct: false,
        noPrompt: false,
        fewShotTrain: false,
        genLength: 96,
        gradientAccumulationSteps: 8,
        sequenceCount: 10,
        copyN: 0,
        skipEval: false,
        dryRun: false,
        steadyGrow: false,
        exponentialGrow: false,
        startSteps: 40,
        addSteps: 20,
        growSteps: 1.2,
        baseEpochs: 1,
        addEpochs: 0.2,
        temperature: 0.01,
        topP: 0.9,
      },
    );
    assert.deepEqual(o.arithmetic.trainDigits, [1, 2, 3, 4, 5]);
    assert.equal(o.shards, 1);
    assert.equal(o.trainer, 'embedded');
  });

  void it("refuses more shards than one run's history holds, saying why and what to do instead", () => {
    assert.ok(parseExperimentInput({ experiment: 'x', task: 'arithmetic', shards: 2000 }).ok);
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', shards: 2001 });
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.field, 'shards');
    assert.match(result.problems[0]?.expected ?? '', /at most 2000: .*51,200 events and 50 MB per run; give each shard more examples/);
  });

  void it('accepts the string forms --set and the Temporal CLI give', () => {
    const result = parseExperimentInput({
      experiment: 'x',
      task: 'arithmetic',
      nIters: '6',
      steadyGrow: 'true',
      arithmetic: { trainDigits: '1-3', oodDigits: '6,8' },
    });
    assert.ok(result.ok);
    assert.equal(result.options.nIters, 6);
    assert.equal(result.options.steadyGrow, true);
    assert.deepEqual(result.options.arithmetic.trainDigits, [1, 2, 3]);
    assert.deepEqual(result.options.arithmetic.oodDigits, [6, 8]);
  });

  void it('lists every problem with its field, value and expectation', () => {
    const result = parseExperimentInput({
      experiment: 'bad name',
      nIters: 1,
      steadyGrow: true,
      exponentialGrow: true,
      trainer: 'command',
      typo: 3,
    });
    assert.equal(result.ok, false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.problems.map((p) => [p.field, p]));
    assert.deepEqual(Object.keys(byField).sort(), ['datasetDir', 'experiment', 'exponentialGrow', 'hosts', 'nIters', 'typo']);
    assert.equal(byField.experiment?.value, 'bad name');
    assert.equal(byField.nIters?.value, 1);
    assert.match(byField.exponentialGrow?.expected ?? '', /choose one growth rule/);
    assert.match(result.message, /→ at nIters/);
    assert.match(result.message, /got "bad name"/);
  });

  void it("plans the steady rule's steps per iteration without running anything", () => {
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', steadyGrow: true, nIters: 4 });
    assert.ok(result.ok);
    assert.deepEqual(
      planExperiment(result.options).iterations.map((p) => p.totalSteps),
      [40, 60, 80],
    );
  });
  void it('rejects a growth rule that would pass 2^53 - 1 steps, naming the iteration and what to lower', () => {
    const result = parseExperimentInput({
      experiment: 'x',
      task: 'arithmetic',
      exponentialGrow: true,
      startSteps: 40,
      growSteps: 2,
      nIters: 50,
    });
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.field, 'growSteps');
    assert.match(
      result.message,
      /exponential growth rule gives 11258999068426240 training steps at iteration 49 \(startSteps 40 \* growSteps 2 \*\* 48\), more than 2\^53 - 1 = 9007199254740991; lower startSteps, growSteps or nIters/,
    );
    const steady = parseExperimentInput({ experiment: 'x', task: 'arithmetic', steadyGrow: true, addSteps: 1e16, nIters: 3 });
    assert.ok(!steady.ok);
    assert.equal(steady.problems[0]?.field, 'addSteps');
    assert.ok(
      parseExperimentInput({ experiment: 'x', task: 'arithmetic', exponentialGrow: true, startSteps: 40, growSteps: 2, nIters: 49 }).ok,
    );
    assert.ok(
      parseExperimentInput({ experiment: 'x', task: 'arithmetic', exponentialGrow: true, nIters: MAX_ITERATIONS, growSteps: 1 }).ok,
    );
  });

  void it('refuses more iterations than a plan can list, saying the limit and what to do', () => {
    for (const nIters of [MAX_ITERATIONS + 1, 100_000_000, 1e9]) {
      const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', nIters });
      assert.equal(result.ok, false, String(nIters));
      if (result.ok) return;
      assert.deepEqual(
        result.problems.map((p) => p.field),
        ['nIters'],
      );
      assert.match(result.problems[0]?.expected ?? '', new RegExp(`at most ${MAX_ITERATIONS}.*star extend`));
    }
  });

  void it('refuses a genLength no server generates, before anything runs', () => {
    assert.ok(parseExperimentInput({ experiment: 'x', task: 'arithmetic', genLength: MAX_GEN_LENGTH }).ok);
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', genLength: 1_000_000_000 });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ['genLength'],
    );
    assert.match(result.problems[0]?.expected ?? '', new RegExp(`at most ${MAX_GEN_LENGTH} tokens`));
  });

  void it('bounds the experiment name, which becomes file names, before anything runs', () => {
    assert.ok(parseExperimentInput({ experiment: 'x'.repeat(128), task: 'arithmetic' }).ok);
    const result = parseExperimentInput({ experiment: 'x'.repeat(260), task: 'arithmetic' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ['experiment'],
    );
    assert.match(result.problems[0]?.expected ?? '', /at most 128 characters.*choose a shorter name/);
  });

  void it('refuses a command template with shell expansion or an unknown placeholder with the input', () => {
    for (const [template, why] of [
      ['python3 train.py --config $(cat cfg)', /shell expansion/],
      ['python3 train.py --config `cat cfg`', /shell expansion/],
      ['python3 train.py --steps {steps}', /\{steps\}, which is not a placeholder/],
      ['python3 train.py && echo done', /shell operator "&&"/],
    ] as const) {
      const result = parseExperimentInput({
        experiment: 'x',
        task: 'arithmetic',
        trainer: 'command',
        hosts: ['h'],
        commandTemplate: template,
      });
      assert.equal(result.ok, false, template);
      if (result.ok) return;
      assert.deepEqual(
        result.problems.map((p) => p.field),
        ['commandTemplate'],
        template,
      );
      assert.match(result.problems[0]?.expected ?? '', why);
    }
    const shell = parseExperimentInput({
      experiment: 'x',
      task: 'arithmetic',
      trainer: 'command',
      hosts: ['h'],
      commandTemplate: "bash -c 'python3 t.py --config {config}'",
    });
    assert.equal(shell.ok, false, "a placeholder inside a shell's command string would run its value as code");
    if (shell.ok) return;
    assert.match(shell.problems[0]?.expected ?? '', /inside the command string of `bash -c`/);
    assert.ok(
      parseExperimentInput({
        experiment: 'x',
        task: 'arithmetic',
        trainer: 'command',
        hosts: ['h'],
        commandTemplate: `bash -c 'python3 t.py --config "$1"' bash {config}`,
      }).ok,
    );
    assert.ok(
      parseExperimentInput({
        experiment: 'x',
        task: 'arithmetic',
        trainer: 'command',
        hosts: ['h'],
        commandTemplate: 'python3 t.py --key ${MY_API_KEY} --config {config}',
      }).ok,
    );
  });
});
