import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  checkpointPath,
  experimentNameFromArgs,
  filesToCopy,
  firstIterationConfig,
  iterationConfig,
  parseBaseConfig,
  sortRecordFiles,
} from '../../core';

const qaBase = parseBaseConfig(
  JSON.parse(readFileSync(path.join(__dirname, '../../configs/qa_base.json'), 'utf8')),
  'configs/qa_base.json',
);

void describe('base config', () => {
  void it('holds the reference GPT-J shape and trainer settings', () => {
    assert.equal(qaBase.layers, 28);
    assert.equal(qaBase.d_model, 4096);
    assert.equal(qaBase.n_heads, 16);
    assert.equal(qaBase.n_vocab, 50400);
    assert.equal(qaBase.seq, 1536);
    assert.equal(qaBase.lr, 1e-6);
    assert.equal(qaBase.warmup_steps, 100);
    assert.equal(qaBase.weight_decay, 0);
  });

  void it('names the bad field and value', () => {
    assert.throws(() => parseBaseConfig({ ...qaBase, seq: -3 }, 'my.json'), /my\.json is not a valid trainer config:[\s\S]*seq/);
    assert.throws(() => parseBaseConfig({ ...qaBase, layers: undefined }, 'my.json'), /layers/);
  });

  void it('passes through trainer keys it does not list', () => {
    assert.equal((parseBaseConfig({ ...qaBase, scale_by: 2 }) as Record<string, unknown>).scale_by, 2);
  });
});

void describe('iteration config', () => {
  void it('sets the fields PIPELINE.md lists and copies the rest', () => {
    const config = iterationConfig(qaBase, {
      task: 'commonsenseqa',
      experiment: 'exp',
      iteration: 3,
      totalSteps: 57,
      pRationalization: 0.5,
      gradientAccumulationSteps: 4,
    });
    assert.deepEqual(config, {
      ...qaBase,
      model_dir: 'strangeloop/exp_3',
      train_set: 'exp/exp_3.index',
      target_save: 'commonsenseqa/exp/exp_3/exp_3.txt',
      total_steps: 57,
      name: 'exp_3',
      p_rationalization: 0.5,
      gradient_accumulation_steps: 4,
    });
    assert.equal(checkpointPath(config), 'gs://checkpoint-bucket/strangeloop/exp_3/step_57/');
    assert.deepEqual(parseBaseConfig(JSON.parse(JSON.stringify(config))), config);
  });

  void it('refuses 0 total steps', () => {
    assert.throws(
      () =>
        iterationConfig(qaBase, {
          task: 'gsm',
          experiment: 'e',
          iteration: 1,
          totalSteps: 0,
          pRationalization: 1,
          gradientAccumulationSteps: 8,
        }),
      /total_steps 0 of iteration 1/,
    );
  });

  void it('writes the first config as make_first_config does', () => {
    const first = firstIterationConfig(qaBase, { task: 'gsm', experiment: 'e', pRationalization: 1, gradientAccumulationSteps: 8 });
    assert.equal(first.target_save, 'gsm/e/e_0/e_0.txt');
    assert.equal(first.name, 'e_0');
    assert.equal(first.model_dir, qaBase.model_dir);
  });

  void it('names an experiment after its arguments, keeping letters, digits and _', () => {
    assert.equal(
      experimentNameFromArgs(['--task=gsm', '--rationalize', '--p_rationalization', '0.5']),
      'taskgsm_rationalize_p_rationalization_05',
    );
  });
});

void describe('copy_n', () => {
  void it('orders record files by their trailing number and takes the last n', () => {
    const names = ['exp_10.txt', 'exp_2.txt', 'exp_1.txt'];
    assert.deepEqual(sortRecordFiles(names), ['exp_1.txt', 'exp_2.txt', 'exp_10.txt']);
    assert.deepEqual(filesToCopy(names, 2), ['exp_2.txt', 'exp_10.txt']);
    assert.deepEqual(filesToCopy(names, 0), []);
  });

  void it('names a file without a trailing number', () => {
    assert.throws(() => sortRecordFiles(['notes.txt', 'e_1.txt']), /record file "notes\.txt"/);
  });
});
