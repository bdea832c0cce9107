import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  arithmeticTokenizer,
  CheckpointError,
  createModel,
  initBackend,
  loadModel,
  newestCheckpoint,
  saveCheckpoint,
  train,
  type TrainOptions,
} from '../../model';
import { TINY, packedChunks, scratchpadExample, tempDir } from './fixtures';

void describe('embedded model training', () => {
  const tokenizer = arithmeticTokenizer();
  const texts = Array.from({ length: 60 }, (_, i) => scratchpadExample(10 + ((i * 37) % 90), 10 + ((i * 53) % 90)));
  const chunks = packedChunks(tokenizer, texts, TINY.seq + 1);
  let base = '';

  before(async () => {
    await initBackend(() => {});
    base = join(tempDir(), 'base');
    await saveCheckpoint(createModel(TINY, { seed: 11 }), base, { step: 0 });
  });

  const options = (outputDirUri: string, overrides: Partial<TrainOptions> = {}): TrainOptions => ({
    baseCheckpointUri: base,
    chunks,
    totalSteps: 6,
    outputDirUri,
    checkpointEvery: 3,
    lr: 3e-3,
    warmupSteps: 2,
    batchSize: 4,
    gradientAccumulationSteps: 2,
    seed: 5,
    ...overrides,
  });

  void it('lowers the answer loss on a small scratchpad corpus', async () => {
    const losses: number[] = [];
    const result = await train(
      options(join(tempDir(), 'fall'), { totalSteps: 40, checkpointEvery: 40, lr: 1e-2, onProgress: (_s, l) => void losses.push(l) }),
    );
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    assert.equal(result.step, 40);
    assert.ok(last < first * 0.6, `loss went from ${first.toFixed(3)} to ${last.toFixed(3)}`);
  });

  void it('checkpoints every K steps and at the end, as step_N folders', async () => {
    const out = join(tempDir(), 'every');
    const result = await train(options(out, { totalSteps: 7, checkpointEvery: 3 }));
    assert.equal(result.checkpointUri, join(out, 'step_7'));
    for (const step of [3, 6, 7]) assert.equal((await loadModel(join(out, `step_${step}`))).step, step);
    assert.equal((await newestCheckpoint(out))?.step, 7);
  });

  void it('reaches the same weights after an interruption as without one', async () => {
    const straight = join(tempDir(), 'straight');
    const full = await train(options(straight));
    const broken = join(tempDir(), 'broken');
    const abort = new AbortController();
    await assert.rejects(
      train(options(broken, { signal: abort.signal, onProgress: (step) => void (step === 4 && abort.abort('test interruption')) })),
      /aborted at step 4/,
    );
    assert.equal((await newestCheckpoint(broken))?.step, 3);
    const resumed = await train(options(broken));
    assert.equal(resumed.step, 6);
    assert.equal(resumed.loss, full.loss);
    const a = await loadModel(full.checkpointUri);
    const b = await loadModel(resumed.checkpointUri);
    a.weights.forEach((w, i) => assert.deepEqual(b.weights[i].data, w.data, `weights ${w.name} differ`));
  });

  void it('refuses to resume with a different data seed', async () => {
    const out = join(tempDir(), 'seed');
    await train(options(out, { totalSteps: 3 }));
    await assert.rejects(
      train(options(out, { seed: 6 })),
      /cannot resume from .*step_3: it was trained with seed=5 but this run has seed=6/,
    );
  });

  void it('rejects zero total steps with a clear message', async () => {
    await assert.rejects(train(options(join(tempDir(), 'zero'), { totalSteps: 0 })), /totalSteps is 0/);
  });

  void it('trains on chunks longer than the context by packing their whole examples into rows', async () => {
    const long = packedChunks(tokenizer, texts, TINY.seq * 3);
    const result = await train(options(join(tempDir(), 'long'), { chunks: long, totalSteps: 2 }));
    assert.equal(result.step, 2);
    assert.ok(Number.isFinite(result.loss) && result.loss > 0, `loss ${result.loss}`);
  });

  void it('names a missing base checkpoint', async () => {
    await assert.rejects(
      train(options(join(tempDir(), 'nobase'), { baseCheckpointUri: join(tempDir(), 'missing') })),
      (err: Error) => err instanceof CheckpointError && /missing is not a checkpoint/.test(err.message),
    );
  });
});
