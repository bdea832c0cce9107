import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  arithmeticTokenizer,
  createModel,
  initBackend,
  loadModel,
  modelBackend,
  sample,
  saveCheckpoint,
  train,
  workerCount,
  type TrainOptions,
} from '../../model';
import { TINY, packedChunks, scratchpadExample, tempDir } from './fixtures';

/**
 * One worker process runs many activities at once: two experiments training, shards sampling from
 * other checkpoints. Whatever they share (the compute threads on WebAssembly, TensorFlow's pool and
 * the model's tensors natively) must never mix one model's weights into another's step: every run
 * must give the bytes it gives alone.
 */
void describe('embedded model under concurrent use in one process', () => {
  const tokenizer = arithmeticTokenizer();
  const texts = Array.from({ length: 60 }, (_, i) => scratchpadExample(10 + ((i * 37) % 90), 10 + ((i * 53) % 90)));
  const chunks = packedChunks(tokenizer, texts, TINY.seq + 1);
  const bases: string[] = [];

  before(async () => {
    await initBackend(() => {});
    for (const seed of [21, 22]) {
      const uri = join(tempDir(), `base-${seed}`);
      await saveCheckpoint(createModel(TINY, { seed }), uri, { step: 0 });
      bases.push(uri);
    }
  });

  const options = (baseCheckpointUri: string, outputDirUri: string, seed: number): TrainOptions => ({
    baseCheckpointUri,
    chunks,
    totalSteps: 5,
    outputDirUri,
    checkpointEvery: 5,
    lr: 3e-3,
    warmupSteps: 1,
    batchSize: 4,
    gradientAccumulationSteps: 2,
    seed,
  });

  async function weightsOf(uri: string): Promise<Float32Array[]> {
    return (await loadModel(uri)).weights.map((w) => w.data);
  }

  const prompts = Array.from({ length: 12 }, (_, i) => ({ prompt: `Input:\n${i % 10} + ${(i * 3) % 10}\nTarget:\n`, seed: i }));

  async function samples(uri: string): Promise<string[]> {
    const model = await loadModel(uri);
    return await sample(model, prompts, { genLength: 24, temperature: 0.7, topP: 0.9, batchSize: 4 });
  }

  void it('trains and samples two models at once to the same bytes as alone', async () => {
    // On WebAssembly the runs share the compute threads; natively they interleave on TensorFlow's pool.
    assert.ok(
      modelBackend().name === 'native-tf' || workerCount() >= 2,
      'on WebAssembly this test needs the compute thread pool (STAR_MODEL_WORKERS unset or >= 2)',
    );
    const soloA = await train(options(bases[0], join(tempDir(), 'solo-a'), 1));
    const soloB = await train(options(bases[1], join(tempDir(), 'solo-b'), 2));
    const soloSamplesA = await samples(bases[0]);
    const soloSamplesB = await samples(bases[1]);

    const [a, b, sa, sb] = await Promise.all([
      train(options(bases[0], join(tempDir(), 'both-a'), 1)),
      train(options(bases[1], join(tempDir(), 'both-b'), 2)),
      samples(bases[0]),
      samples(bases[1]),
    ]);
    const [wa, wb, wsa, wsb] = await Promise.all([
      weightsOf(a.checkpointUri),
      weightsOf(b.checkpointUri),
      weightsOf(soloA.checkpointUri),
      weightsOf(soloB.checkpointUri),
    ]);
    wsa.forEach((w, i) => assert.deepEqual(wa[i], w, `model A's weight ${i} differs from its solo run`));
    wsb.forEach((w, i) => assert.deepEqual(wb[i], w, `model B's weight ${i} differs from its solo run`));
    assert.deepEqual(sa, soloSamplesA);
    assert.deepEqual(sb, soloSamplesB);
  });
});
