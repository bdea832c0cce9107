import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { BadInputError } from '../../core/errors';
import { trainSetFor } from '../../activities/write-iteration-config';
import { commandTrainer } from '../../trainers/command';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { scratchDir, writeBaseConfig } from '../../test-support/experiment-input';

void describe('writeIterationConfig', () => {
  const acts = createActivities();
  const root = scratchDir('config');
  const base = writeBaseConfig(root);
  const request = (overrides: Record<string, unknown>, examples: number, file: string) => ({
    options: parseExperimentInputOrThrow({ experiment: 'cfg', task: 'arithmetic', ...overrides }),
    iteration: 3,
    previousConfigUri: base,
    configUri: join(root, `${file}.json`),
    manifestUri: join(root, `${file}.done.json`),
    examples,
    indexUri: join(root, 'cfg_3.index'),
    modelDir: join(root, 'models', 'cfg_3'),
    targetSave: join(root, 'records', 'cfg_3', 'cfg_3.txt'),
  });

  void it("copies the previous config and sets the epoch rule's total_steps and the reference's fields", async () => {
    // epochs = 1 + 0.2 * 2 = 1.4; int(1000 * 1.4 // (8 * 10)) = 17
    const result = await acts.writeIterationConfig(request({}, 1000, 'epoch'));
    assert.equal(result.totalSteps, 17);
    const config = JSON.parse(readFileSync(join(root, 'epoch.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.total_steps, 17);
    assert.equal(config.name, 'cfg_3');
    assert.equal(config.lr, 0.001);
    assert.equal(config.gradient_accumulation_steps, 8);
    assert.equal(config.p_rationalization, 1);
  });

  // What the reference's device_train.py reads: checkpoints to gs://{bucket}/{model_dir}, the index from data/{train_set}.
  const onBucket = (trainer: 'command' | 'embedded', file: string) => ({
    ...request(trainer === 'command' ? { trainer, hosts: ['tpu-0'] } : {}, 1000, file),
    indexUri: 'gs://star-runs/experiments/cfg/cfg_3.index',
    modelDir: 'gs://star-runs/experiments/cfg/models/cfg_3',
  });
  const written = (file: string) => JSON.parse(readFileSync(join(root, `${file}.json`), 'utf8')) as Record<string, unknown>;

  void it('gives the command trainer on a gs:// root the bucket, a bucket-relative model_dir and a train_set under data/', async () => {
    await acts.writeIterationConfig(onBucket('command', 'command-gs'));
    const config = written('command-gs');
    assert.equal(config.bucket, 'star-runs');
    assert.equal(config.model_dir, 'experiments/cfg/models/cfg_3');
    assert.equal(config.train_set, 'cfg/cfg_3.index', 'the reference reads data/{train_set}; the host copies the index there');
  });

  void it('gives the embedded trainer the index URI as train_set', async () => {
    await acts.writeIterationConfig(onBucket('embedded', 'embedded-gs'));
    const config = written('embedded-gs');
    assert.equal(config.train_set, 'gs://star-runs/experiments/cfg/cfg_3.index');
    assert.equal(config.bucket, 'star-runs');
    assert.equal(config.model_dir, 'experiments/cfg/models/cfg_3');
  });

  void it('keeps URIs for the command trainer on a local root, where no bucket exists', async () => {
    await acts.writeIterationConfig(request({ trainer: 'command', hosts: ['tpu-0'] }, 1000, 'command-local'));
    const config = written('command-local');
    assert.equal(config.train_set, join(root, 'cfg_3.index'));
    assert.equal(config.bucket, '');
    assert.equal(config.model_dir, join(root, 'models', 'cfg_3'));
  });

  void it('refuses an index not named {exp}/{exp}_{i}.index for the command trainer, since hosts copy it under that name', () => {
    assert.equal(trainSetFor(commandTrainer, 'cfg', 3, 'gs://b/p/cfg/cfg_3.index'), 'cfg/cfg_3.index');
    assert.throws(
      () => trainSetFor(commandTrainer, 'cfg', 3, 'gs://b/p/cfg/other.index'),
      (err: unknown) => {
        assert.ok(err instanceof BadInputError, 'bad input: the activity fails it without retries');
        assert.match(err.message, /gs:\/\/b\/p\/cfg\/other\.index .*not named cfg\/cfg_3\.index/);
        return true;
      },
    );
  });

  void it('fails non-retryably, saying what to change, when the epoch rule gives 0 steps', async () => {
    await assert.rejects(acts.writeIterationConfig(request({}, 30, 'zero')), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /0 training steps/);
      assert.match(err.message, /keep more examples|steady\/exponential/);
      return true;
    });
  });
  void it('fails non-retryably when a growth rule gives more than 2^53 - 1 steps', async () => {
    // The input allows it (its last iteration, 1, trains 40 steps); iteration 3 would train 4e21.
    await assert.rejects(
      acts.writeIterationConfig(request({ exponentialGrow: true, growSteps: 1e10, nIters: 2 }, 0, 'huge')),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.nonRetryable, true);
        assert.equal(err.type, 'TooManyTrainingStepsError');
        assert.match(err.message, /more than 9007199254740991 \(2\^53 - 1\)/);
        return true;
      },
    );
  });
});
