import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeTfRecords } from '../../dataset-files/records';
import { arithmeticTokenizer, createModel, initBackend, loadModel, saveCheckpoint } from '../../model';
import { TINY, scratchpadExample, tempDir } from './fixtures';

const ROOT = resolve(__dirname, '..', '..');

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'model', 'train-cli.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
}

void describe('train-cli', () => {
  const dir = tempDir('train-cli-');
  const base = join(dir, 'base');
  const configPath = join(dir, 'iter.json');
  const config = {
    train_set: 'records.index',
    total_steps: 4,
    lr: 3e-3,
    warmup_steps: 1,
    ckpt_every: 2,
    per_replica_batch: 2,
    gradient_accumulation_steps: 1,
    model_dir: 'run_1',
  };

  before(async () => {
    await initBackend(() => {});
    await saveCheckpoint(createModel(TINY, { seed: 2 }), base, { step: 0 });
    writeFileSync(configPath, JSON.stringify(config));
  });

  void it('exits 2 naming the missing base checkpoint', () => {
    const r = runCli(['--config', configPath, '--tune-model-path', join(dir, 'no-such-checkpoint')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--tune-model-path: .*no-such-checkpoint is not a checkpoint/);
  });

  void it('exits 2 naming the invalid config field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config, lr: 'fast' }));
    const r = runCli(['--config', bad, '--tune-model-path', base]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /invalid[\s\S]*lr/);
  });

  void it('exits 2 without --config', () => {
    const r = runCli(['--tune-model-path', base]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--config is required/);
  });

  void it('trains from a records index and prints step lines and the checkpoint', async () => {
    const tokenizer = arithmeticTokenizer();
    const texts = Array.from({ length: 30 }, (_, i) => scratchpadExample(10 + i, 40 + 2 * i));
    await writeTfRecords({ texts, tokenizer, seq: TINY.seq, outputPrefixUri: join(dir, 'records') });
    const r = runCli(['--config', configPath, '--tune-model-path', base]);
    assert.equal(r.status, 0, r.stderr);
    const steps = r.stdout.split('\n').filter((line) => /^step \d+ loss \d+\.\d+$/.test(line));
    assert.equal(steps.length, 4);
    const out = join(dir, 'run_1', 'step_4');
    assert.match(r.stdout, new RegExp(`checkpoint .*run_1/step_4`));
    assert.equal((await loadModel(out)).step, 4);
  });
});
