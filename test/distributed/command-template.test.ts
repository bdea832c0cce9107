import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandTemplateError, splitTemplate, UnsetVariableError, withEnvironment } from '../../core/command-line';
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
      expandCommand(
        `run "--name=host {host}" '{host_index}/{host_count}' --steps={total_steps} --it {iteration} --out {model_dir}`,
        values,
      ),
      ['run', '--name=host tpu-0', '0/2', '--steps=40', '--it', '1', '--out', 'gs://runs/exp/models/exp_1'],
    );
  });

  void it("fills {train_index} with the host's copy of the index", () => {
    assert.deepEqual(expandCommand('train --train-set {train_index}', values), [
      'train',
      '--train-set',
      '/home/me/STaR/data/exp/exp_1.index',
    ]);
  });

  void it('rejects an unknown placeholder, naming it and the known ones', () => {
    assert.throws(
      () => expandCommand('train --config {cfg}', values),
      (err: Error) => {
        assert.ok(err instanceof CommandTemplateError);
        assert.match(err.message, /\{cfg\}.*not a placeholder.*\{config\}/);
        return true;
      },
    );
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

  void it('keeps ${NAME} as written and expands it only where the command runs, showing and masking it as ${NAME}', () => {
    const words = expandCommand('train --key ${MY_API_KEY} --db=${DATABASE_URL} --config {config}', values);
    assert.deepEqual(
      words,
      ['train', '--key', '${MY_API_KEY}', '--db=${DATABASE_URL}', '--config', values.config],
      'the stored and shown form',
    );
    const secret = 'sk-live-"quoted"\\back';
    const command = withEnvironment(words, { MY_API_KEY: secret, DATABASE_URL: 'postgres://admin:hunter2pw@db' });
    assert.deepEqual(command.argv, ['train', '--key', secret, '--db=postgres://admin:hunter2pw@db', '--config', values.config]);
    assert.deepEqual(command.shown, words);
    const output = `args: ${command.argv.join(' ')} json: ${JSON.stringify({ key: secret })}`;
    assert.equal(
      command.mask(output),
      `args: train --key \${MY_API_KEY} --db=\${DATABASE_URL} --config ${values.config} json: {"key":"\${MY_API_KEY}"}`,
    );
  });

  void it('refuses a ${NAME} that is not set where the command runs, naming it and where to set it', () => {
    assert.throws(
      () => withEnvironment(expandCommand('train --key ${MY_API_KEY}', values), {}, 'host tpu-0'),
      (err: Error) => {
        assert.ok(err instanceof UnsetVariableError);
        assert.match(err.message, /uses \$\{MY_API_KEY\}, which is not set on host tpu-0: set MY_API_KEY in the environment of the worker/);
        return true;
      },
    );
  });

  void it("refuses a placeholder inside a shell's command string, showing the safe form", () => {
    for (const template of [
      'bash -c "python3 train.py --tune-model-path={base_model}"',
      "sh -ec 'train --config {config}'",
      "/usr/bin/env A=1 bash -lc 'train {config}'",
      "bash -o pipefail -c 'train {config}'",
    ]) {
      assert.throws(
        () => expandCommand(template, values),
        (err: Error) => {
          assert.ok(err instanceof CommandTemplateError, template);
          assert.match(
            err.message,
            /inside the command string of `.*sh .*-\w*c`.*as code: give values as arguments after the string .*"\$1"/,
            template,
          );
          return true;
        },
      );
    }
  });

  void it('runs the safe shell form with a hostile folder name as data, never as code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'star-shell-'));
    const hostile = `${dir}/m;touch ${dir}/X;$(touch ${dir}/Y)`;
    const words = expandCommand(`bash -c 'printf %s "$1"; printf " %s" "\${STAR_TEST_WORD}"' bash {base_model}`, {
      ...values,
      base_model: hostile,
    });
    const command = withEnvironment(words, { STAR_TEST_WORD: '$(touch Z)' });
    assert.equal(
      command.argv[2],
      'printf %s "$1"; printf " %s" "${STAR_TEST_WORD}"',
      'a ${NAME} in the command string is left to the shell',
    );
    const printed = execFileSync(command.argv[0] as string, command.argv.slice(1), {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, STAR_TEST_WORD: '$(touch Z)' },
    });
    assert.equal(printed, `${hostile} $(touch Z)`);
    for (const made of ['X', 'Y', 'Z']) assert.equal(existsSync(join(dir, made)), false, `${made} was created: a value ran as code`);
  });
});
