import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyAssignments, checkKeys, parseAssignment } from '../../cli/set-options';
import { closestNames } from '../../cli/suggest';
import { optionKeys } from '../../cli/option-catalog';
import { listPresets, resolveExperimentInput } from '../../cli/experiment-input';
import { InvalidInputError, UsageError } from '../../cli/errors';
import { getTask } from '../../dataset-files';
import { taskFor } from '../../activities/examples';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';

void describe('--set key=value', () => {
  void it('reads values as JSON when they parse as JSON', () => {
    assert.deepEqual(parseAssignment('steadyGrow=true'), { path: ['steadyGrow'], raw: 'true', value: true });
    assert.equal(parseAssignment('startSteps=40').value, 40);
    assert.equal(parseAssignment('growSteps=1.5').value, 1.5);
    assert.deepEqual(parseAssignment('hosts=["a","b"]').value, ['a', 'b']);
  });

  void it('keeps values that are not JSON as strings, "=" included', () => {
    assert.equal(parseAssignment('storageRoot=gs://bucket/runs').value, 'gs://bucket/runs');
    assert.equal(parseAssignment('commandTemplate=a --x=1').value, 'a --x=1');
  });

  void it('splits dotted keys into a path for nested settings', () => {
    assert.deepEqual(parseAssignment('arithmetic.trainDigits=1-3').path, ['arithmetic', 'trainDigits']);
  });

  void it('rejects an assignment without a key', () => {
    assert.throws(() => parseAssignment('nIters'), UsageError);
    assert.throws(() => parseAssignment('=3'), UsageError);
    assert.throws(() => parseAssignment('arithmetic..x=3'), UsageError);
  });

  void it('applies assignments to a copy, creating nested objects', () => {
    const base = { nIters: 4, arithmetic: { devPerDigit: 5 } };
    const out = applyAssignments(base, [
      parseAssignment('nIters=6'),
      parseAssignment('arithmetic.trainPerDigit=7'),
      parseAssignment('nIters=8'),
    ]);
    assert.deepEqual(out, { nIters: 8, arithmetic: { devPerDigit: 5, trainPerDigit: 7 } });
    assert.equal(base.nIters, 4);
  });
});

void describe('option names and suggestions', () => {
  void it('lists every reference option under its camelCase name, and nested ones dotted', () => {
    const keys = optionKeys();
    for (const name of [
      'nIters',
      'nTrainSamples',
      'rationalize',
      'pRationalization',
      'pShowHintSave',
      'direct',
      'noPrompt',
      'fewShotTrain',
      'genLength',
      'gradientAccumulationSteps',
      'sequenceCount',
      'baseModelLocation',
      'copyN',
      'skipEval',
      'dryRun',
      'steadyGrow',
      'exponentialGrow',
      'startSteps',
      'addSteps',
      'growSteps',
      'baseEpochs',
      'addEpochs',
      'task',
    ]) {
      assert.ok(keys.includes(name), `${name} missing from ${keys.join(', ')}`);
    }
    assert.ok(keys.includes('arithmetic.trainDigits'));
  });

  void it("finds the camelCase name from the reference's snake_case name", () => {
    assert.deepEqual(closestNames('n_iters', optionKeys()).slice(0, 1), ['nIters']);
    assert.deepEqual(closestNames('p_show_hint_save', optionKeys()).slice(0, 1), ['pShowHintSave']);
  });

  void it('finds the intended name from a typo', () => {
    assert.equal(closestNames('steadyGrw', optionKeys())[0], 'steadyGrow');
    assert.equal(closestNames('startstep', optionKeys())[0], 'startSteps');
  });

  void it('suggests nothing for a name far from every option', () => {
    assert.deepEqual(closestNames('zzzzqqqq', optionKeys()), []);
  });

  void it('reports every unknown key at once, each with its closest names', () => {
    const err = catchError(() =>
      checkKeys([parseAssignment('n_iters=3'), parseAssignment('nIters=3'), parseAssignment('rationalise=true')], optionKeys()),
    );
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /unknown option "n_iters"; did you mean "nIters"/);
    assert.match(err.message, /unknown option "rationalise"; did you mean "rationalize"/);
    assert.doesNotMatch(err.message, /unknown option "nIters"/);
  });
});

void describe('resolving an input', () => {
  void it('applies --set over the default preset', () => {
    const { options, source } = resolveExperimentInput({ sets: ['steadyGrow=true', 'exponentialGrow=false', 'startSteps=40', 'nIters=6'] });
    assert.equal(source, 'preset arithmetic-demo');
    assert.equal(options.steadyGrow, true);
    assert.equal(options.nIters, 6);
  });

  void it('removes a key the preset or input file sets when given null, so the option takes its default', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'star-unset-')), 'input.json');
    writeFileSync(
      file,
      JSON.stringify({ experiment: 'x', task: 'arithmetic', evalTemperature: 0.2, inferenceModelTemplate: 'm-{iteration}', nIters: 9 }),
    );
    const { options } = resolveExperimentInput({
      input: file,
      sets: ['evalTemperature=null', 'inferenceModelTemplate=null', 'nIters=null'],
    });
    assert.equal('evalTemperature' in options, false);
    assert.equal('inferenceModelTemplate' in options, false);
    assert.equal(options.nIters, parseExperimentInputOrThrow({ experiment: 'x', task: 'arithmetic' }).nIters);
    assert.notEqual(options.nIters, 9);
  });

  void it('keeps text for string options even when it reads as JSON', () => {
    const { options } = resolveExperimentInput({ sets: ['experiment=2024', 'baseModelLocation=123'] });
    assert.equal(options.experiment, '2024');
    assert.equal(options.baseModelLocation, '123');
  });

  void it('fills ${VAR} in presets from the environment and says which variable is missing', () => {
    const { options } = resolveExperimentInput({ preset: 'gsm-gptj' }, { STAR_DATA_DIR: '/data/star' });
    assert.equal(options.datasetDir, '/data/star');
    const err = catchError(() => resolveExperimentInput({ preset: 'gsm-gptj' }, {}));
    assert.ok(err instanceof InvalidInputError);
    assert.match(err.message, /datasetDir: "\$\{STAR_DATA_DIR\}" uses the environment variable STAR_DATA_DIR/);
  });

  void it('lets --set replace a preset value that names an unset variable', () => {
    const { options } = resolveExperimentInput({ preset: 'commonsenseqa-gptj', sets: ['datasetDir=/mine/csqa'] }, {});
    assert.equal(options.datasetDir, '/mine/csqa');
  });

  void it('refuses --preset and --input together', () => {
    assert.throws(() => resolveExperimentInput({ preset: 'arithmetic-demo', input: 'x.json' }), UsageError);
  });

  void it('suggests the closest preset for a mistyped name', () => {
    assert.throws(
      () => resolveExperimentInput({ preset: 'arithmetic-dem' }),
      /no preset named "arithmetic-dem"\. Did you mean arithmetic-demo\?/,
    );
  });

  void it('resolves every committed preset (given its environment) to a valid input', () => {
    const presets = listPresets();
    for (const preset of [
      'arithmetic-demo',
      'commonsenseqa-gptj',
      'gsm-gptj',
      'commonsenseqa-hf',
      'gsm-hf',
      'commonsenseqa-smollm2',
      'gsm-smollm2',
      'arithmetic-smollm2',
      'commonsenseqa-smollm2-star',
      'commonsenseqa-hf-8gpu',
      'gsm-hf-8gpu',
    ]) {
      assert.ok(presets.includes(preset), `${preset} is committed`);
    }
    for (const preset of presets) {
      const { options } = resolveExperimentInput({ preset }, { STAR_DATA_DIR: '/data', STAR_HF_MODEL: '/models/hf' });
      assert.equal(options.experiment, preset);
    }
  });

  void it('points each dataset preset at a folder its task loads from (the task adds its own subfolder)', async () => {
    const dataDir = join(__dirname, '..', 'fixtures', 'core', 'star');
    for (const preset of [
      'commonsenseqa-gptj',
      'gsm-gptj',
      'commonsenseqa-hf',
      'gsm-hf',
      'commonsenseqa-smollm2',
      'gsm-smollm2',
      'commonsenseqa-smollm2-star',
    ]) {
      const { options } = resolveExperimentInput({ preset }, { STAR_DATA_DIR: dataDir, STAR_HF_MODEL: '/models/hf' });
      const task = getTask(options.task);
      assert.ok((await task.loadSplit(options.datasetDir ?? '', 'train')).length > 0, `${preset} loads its train split`);
      assert.ok(
        (await task.loadFewShot(options.datasetDir ?? '', { answerKey: false, direct: false })).length > 0,
        `${preset} loads its prompts`,
      );
    }
  });

  void it('gives the -hf presets a transformers serve per iteration, named by the served path, one prompt per request', () => {
    for (const preset of ['commonsenseqa-hf', 'gsm-hf']) {
      const { options } = resolveExperimentInput({ preset }, { STAR_DATA_DIR: '/data', STAR_HF_MODEL: '/models/hf' });
      assert.equal(options.inference, 'openai');
      assert.match(
        options.serveCommandTemplate ?? '',
        /^\.tools\/llm-venv\/bin\/python -m transformers\.cli\.transformers serve \{checkpoint\} .*\{port\}/,
      );
      assert.equal(options.inferenceModelTemplate, '{checkpoint}');
      assert.equal(options.inferenceBatchPrompts, 1);
    }
  });

  void it('gives the -hf-8gpu presets the -hf trainer under torchrun on 8 local processes, with a step batch 8 replicas share', () => {
    for (const task of ['commonsenseqa', 'gsm']) {
      const single = resolveExperimentInput({ preset: `${task}-hf` }, { STAR_DATA_DIR: '/data', STAR_HF_MODEL: '/models/hf' }).options;
      const { options } = resolveExperimentInput({ preset: `${task}-hf-8gpu` }, { STAR_DATA_DIR: '/data', STAR_HF_MODEL: '/models/hf' });
      assert.equal(
        options.commandTemplate,
        single.commandTemplate?.replace('.tools/llm-venv/bin/python -m', '.tools/llm-venv/bin/torchrun --standalone --nproc_per_node 8 -m'),
      );
      assert.equal((options.gradientAccumulationSteps ?? 0) % 8, 0, 'each of the 8 replicas takes an equal part of every step');
    }
  });

  void it('gives the -smollm2 presets a llama.cpp server on the GGUF that setup-llama.sh links, one prompt per request, the base model evaluated only', async () => {
    for (const preset of ['commonsenseqa-smollm2', 'gsm-smollm2', 'arithmetic-smollm2']) {
      const { options } = resolveExperimentInput({ preset }, { STAR_DATA_DIR: '/data' });
      assert.equal(options.inference, 'openai');
      assert.match(
        options.serveCommandTemplate ?? '',
        /^\.tools\/llama-venv\/bin\/python -m llama_cpp\.server --model \{checkpoint\} .*\{port\}/,
      );
      assert.match(options.baseModelLocation, /(^|\/)\.tools\/llama-venv\/models\/SmolLM2-135M-Instruct\.Q4_1\.gguf$/);
      // llama.cpp answers a prompt list with HTTP 500.
      assert.equal(options.inferenceBatchPrompts, 1);
      assert.equal(options.nIters, 1);
      assert.equal(options.baseEval, true);
    }
    // Arithmetic has no prompt file: the preset asks for generated worked problems, one per digit count.
    const { options } = resolveExperimentInput({ preset: 'arithmetic-smollm2' }, {});
    assert.equal(options.arithmetic.fewShot, 5);
    assert.equal((await taskFor(options, 'dev').loadFewShot('', { answerKey: false, direct: false })).length, 5);
  });

  void it('gives commonsenseqa-smollm2-star one STaR iteration: LoRA on the dequantised folder, step_N converted to GGUF, llama.cpp serving {checkpoint}/model.gguf', () => {
    const { options } = resolveExperimentInput({ preset: 'commonsenseqa-smollm2-star' }, { STAR_DATA_DIR: '/data' });
    assert.equal(options.nIters, 2, 'the base eval, then one iteration');
    assert.equal(options.baseEval, true);
    // The folder scripts/smollm2-hf.sh makes holds both what the trainer reads and model.gguf.
    assert.match(options.baseModelLocation, /(^|\/)\.tools\/smollm2-hf$/);
    assert.match(
      options.serveCommandTemplate ?? '',
      /^\.tools\/llama-venv\/bin\/python -m llama_cpp\.server --model \{checkpoint\}\/model\.gguf /,
    );
    assert.match(
      options.convertCommandTemplate ?? '',
      /-m star_trainer\.gguf_models to-gguf --checkpoint \{checkpoint\} --output \{output\} --converter \.tools\/llama-venv\/llama\.cpp\/convert_hf_to_gguf\.py$/,
    );
    const base = JSON.parse(readFileSync(resolve(__dirname, '..', '..', options.baseConfig), 'utf8')) as {
      lora: unknown;
      per_replica_batch: number;
    };
    assert.deepEqual(base.lora, { r: 16, alpha: 32, dropout: 0, target_modules: 'all-linear' });
    // The epoch rule counts steps of sequenceCount examples: one step is one batch of the trainer.
    assert.equal(options.sequenceCount, base.per_replica_batch);
    assert.equal(options.gradientAccumulationSteps, 1);
  });

  void it('gives resolved options that validate again unchanged (they are what the workflow receives)', () => {
    const first = resolveExperimentInput({ preset: 'arithmetic-demo' }).options;
    const again = resolveExperimentInput({ input: writeTemp(first) }).options;
    assert.deepEqual(again, first);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

function writeTemp(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'star-input-')), 'experiment.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

void describe('list options', () => {
  void it("take a single number or a range as text, for the schema's list syntax", () => {
    const { options } = resolveExperimentInput({ sets: ['arithmetic.trainDigits=3', 'arithmetic.devDigits=1-4'] });
    assert.deepEqual(options.arithmetic.trainDigits, [3]);
    assert.deepEqual(options.arithmetic.devDigits, [1, 2, 3, 4]);
  });
});
