import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandTemplateError, splitTemplate } from '../../core/command-line';
import { expandCommand, type CommandValues } from '../../contracts/command-templates';

const values: CommandValues = {
  config: '/runs/exp/configs/exp_1.json',
  base_model: 'gs://ckpt/step_383500',
  model_dir: 'gs://runs/exp/models/exp_1',
  train_index: '/home/me/STaR/data/exp/exp_1.index',
  total_steps: 40,
  iteration: 1,
  host: 'tpu-0',
  host_index: 0,
  host_count: 2,
};

void describe('command template', () => {
  void it('expands the reference trainer template into an argument vector', () => {
    assert.deepEqual(expandCommand('python3 device_train.py --config {config} --tune-model-path={base_model}', values), [
      'python3',
      'device_train.py',
      '--config',
      '/runs/exp/configs/exp_1.json',
      '--tune-model-path=gs://ckpt/step_383500',
    ]);
  });

  void it('keeps a value with spaces and shell characters as one literal argument', () => {
    const argv = expandCommand('train --config {config}', { ...values, config: '/my runs/$(rm -rf ~); x.json' });
    assert.deepEqual(argv, ['train', '--config', '/my runs/$(rm -rf ~); x.json']);
  });

  void it('groups quoted words and fills every placeholder', () => {
    assert.deepEqual(
      expandCommand(`run "--name=host {host}" '{host_index}/{host_count}' --steps={total_steps} --it {iteration} --out {model_dir}`, values),
      ['run', '--name=host tpu-0', '0/2', '--steps=40', '--it', '1', '--out', 'gs://runs/exp/models/exp_1'],
    );
  });

  void it("fills {train_index} with the host's copy of the index", () => {
    assert.deepEqual(expandCommand('train --train-set {train_index}', values), ['train', '--train-set', '/home/me/STaR/data/exp/exp_1.index']);
  });

  void it('rejects an unknown placeholder, naming it and the known ones', () => {
    assert.throws(() => expandCommand('train --config {cfg}', values), (err: Error) => {
      assert.ok(err instanceof CommandTemplateError);
      assert.match(err.message, /\{cfg\}.*not a placeholder.*\{config\}/);
      return true;
    });
  });

  void it('rejects shell operators and expansions, since no shell runs the command', () => {
    assert.throws(() => expandCommand('train --config {config} | tee log', values), /shell operator "\|"/);
    assert.throws(() => expandCommand('train --config {config} && echo done', values), /shell operator "&&"/);
    assert.throws(() => expandCommand('train --out $HOME/x', values), /shell expansion \(\$H\)/);
    assert.throws(() => expandCommand('train --out `pwd`', values), /shell expansion/);
  });

  void it('rejects an empty template and an unclosed quote', () => {
    assert.throws(() => expandCommand('   ', values), /empty/);
    assert.throws(() => splitTemplate('train "--config x'), /unclosed " quote/);
  });

  void it('lets a quoted operator through as a literal argument', () => {
    assert.deepEqual(splitTemplate(`grep '|' file`), ['grep', '|', 'file']);
  });
});
