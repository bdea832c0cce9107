/**
 * Model errors that retrying cannot fix fail at once (model/'s errors extend BadInputError), naming the
 * option or record file and the fix.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { BadInputError } from '../../core/errors';
import { ModelCache } from '../../activities/model-cache';
import type { TrainModelInput } from '../../contracts/activities';
import { encodeInt64Example } from '../../core/tf-example';
import { frameRecords } from '../../core/tfrecord';
import { createModel, initBackend, saveCheckpoint } from '../../model';
import { writeBytes, writeJson } from '../../storage';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { TINY } from '../model/fixtures';

void describe('model errors as bad input', { timeout: 120_000 }, () => {
  const root = scratchDir('model-checks');
  const acts = createActivities();
  const base = join(root, 'base');
  const configUri = join(root, 'config.json');

  before(async () => {
    await initBackend(() => undefined);
    await saveCheckpoint(createModel(TINY, { seed: 1 }), base, { step: 0 });
    await writeJson(configUri, { lr: 1e-3, warmup_steps: 0, ckpt_every: 1000, per_replica_batch: 2, gradient_accumulation_steps: 1 });
  });

  /** Records of the given chunks (token ids), and their index. */
  async function records(name: string, chunks: number[][]): Promise<string> {
    const recordUri = join(root, `${name}.tfrecords`);
    await writeBytes(recordUri, frameRecords(chunks.map((ids) => encodeInt64Example('text', ids))));
    const indexUri = join(root, `${name}.index`);
    writeFileSync(indexUri, `${recordUri}\n`);
    return indexUri;
  }

  const input = (name: string, indexUri: string, baseCheckpointUri = base): TrainModelInput => ({
    options: parseExperimentInputOrThrow(tinyExperiment('checks', root, base, writeBaseConfig(root))),
    iteration: 1,
    configUri,
    indexUri,
    baseCheckpointUri,
    modelDir: join(root, 'models', name),
    totalSteps: 2,
    records: 2,
    manifestUri: join(root, `${name}.done.json`),
  });

  const fits = (length: number, id = 5) => Array.from({ length }, (_, k) => (id + k) % TINY.n_vocab);

  async function failsAtOnce(work: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
    await assert.rejects(work, (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
      assert.equal(err.nonRetryable, true, `not retried: ${err.message}`);
      for (const pattern of patterns) assert.match(err.message, pattern);
      return true;
    });
  }

  void it('trains on records that fit the base model (the checks let good input through)', async () => {
    const index = await records('good', [fits(TINY.seq + 1), fits(TINY.seq + 1, 40)]);
    const result = await acts.trainModel(input('good', index));
    assert.equal(result.step, 2);
  });

  void it('fails a missing base checkpoint without retries, naming its URI and what to point at', async () => {
    const index = await records('for-missing', [fits(TINY.seq + 1)]);
    const missing = join(root, 'no-such-checkpoint');
    await failsAtOnce(
      acts.trainModel(input('missing', index, missing)),
      new RegExp(`baseModelLocation ${missing} is not a checkpoint`),
      /manifest\.json does not exist/,
      /Point baseModelLocation at a step_N folder/,
    );
  });

  void it('fails a checkpoint whose manifest does not parse without retries', async () => {
    const broken = join(root, 'broken');
    await writeBytes(join(broken, 'manifest.json'), '{"format": ');
    const index = await records('for-broken', [fits(TINY.seq + 1)]);
    await failsAtOnce(
      acts.trainModel(input('broken', index, broken)),
      new RegExp(`${broken} has an unreadable manifest`),
      /not valid JSON/,
    );
  });

  void it('fails records holding token ids outside the vocabulary without retries, naming the record and the fix', async () => {
    const index = await records('big-ids', [fits(TINY.seq + 1), [...fits(TINY.seq), TINY.n_vocab + 3]]);
    await failsAtOnce(
      acts.trainModel(input('big-ids', index)),
      /big-ids\.tfrecords record 1 .*holds token id 291, outside the vocabulary/,
      /n_vocab 288/,
      /tokenizer arithmetic/,
      /star redo <experiment> --iteration <i> --step records/,
    );
  });

  void it('fails chunks longer than seq + 1 that hold no whole example to repack, without retries', async () => {
    const index = await records('long', [fits(TINY.seq + 2)]);
    await failsAtOnce(
      acts.trainModel(input('long', index)),
      /chunks of 66 tokens, longer than the context .*\(seq 64 \+ 1\)/,
      /hold none/,
      /star redo <experiment> --iteration <i> --step records/,
    );
  });

  void it('fails chunks of different lengths without retries', async () => {
    const index = await records('ragged', [fits(TINY.seq + 1), fits(10)]);
    await failsAtOnce(acts.trainModel(input('ragged', index)), /ragged\.tfrecords record 1 .*has 10 tokens but .*record 0 has 65/);
  });

  void it('refuses to load a missing checkpoint into the model cache as bad input', async () => {
    const missing = join(root, 'nothing-here');
    await assert.rejects(new ModelCache().acquire(missing), (err: unknown) => {
      assert.ok(err instanceof BadInputError, `expected bad input, got ${String(err)}`);
      assert.match(err.message, new RegExp(`the checkpoint to sample from ${missing} is not a checkpoint`));
      assert.match(err.message, /device_train\.py/);
      return true;
    });
    const cache = new ModelCache();
    const { model, release } = await cache.acquire(base);
    assert.equal(model.config.n_vocab, TINY.n_vocab, 'a real checkpoint still loads');
    release();
    await cache.clear();
  });
});
