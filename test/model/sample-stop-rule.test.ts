/**
 * The completion stop rule in the embedded sampler: a row that loops ends once the rule fires, the
 * other rows of its batch come out as they would without it; on this thread and in the compute pool.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  arithmeticTokenizer,
  createModel,
  createModelBackend,
  initBackend,
  loadModel,
  sampleWithCount,
  saveCheckpoint,
  shutdownComputePool,
  train,
  type LoadedModel,
  type ModelBackend,
} from '../../model';
import { TINY, packedChunks, tempDir } from './fixtures';

const LOOPING = 'Input:\n9\nTarget:\n';
const ENDING = 'Input:\n1\nTarget:\n';

void describe('embedded sampling with a completion stop rule', () => {
  let model: LoadedModel;

  before(async () => {
    await initBackend(() => {});
    const dir = tempDir();
    await saveCheckpoint(createModel(TINY, { seed: 5 }), join(dir, 'base'), { step: 0 });
    // One prompt is followed by a line repeated past any genLength, the other by one line and end-of-text.
    const texts = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? `${LOOPING}${'7 7\n'.repeat(30)}` : `${ENDING}1 2 3<|endoftext|>`));
    const result = await train({
      baseCheckpointUri: join(dir, 'base'),
      chunks: packedChunks(arithmeticTokenizer(), texts, TINY.seq + 1),
      totalSteps: 100,
      outputDirUri: join(dir, 'run'),
      checkpointEvery: 100,
      lr: 1e-2,
      warmupSteps: 0,
      batchSize: 8,
      gradientAccumulationSteps: 1,
      seed: 1,
    });
    model = await loadModel(result.checkpointUri);
  });

  after(async () => {
    model?.dispose();
    await shutdownComputePool();
  });

  const requests = [LOOPING, ENDING, LOOPING, ENDING].map((prompt, i) => ({ prompt, seed: i }));
  const settings = { genLength: 40, temperature: 0, topP: 0.9 };

  const backends: [string, () => ModelBackend][] = [
    ['on this thread', () => createModelBackend('plain')],
    ['in the compute pool', () => createModelBackend('wasm', { workers: 2 })],
  ];
  for (const [where, backend] of backends) {
    void it(`ends a looping row at its third repeated line and leaves the others as they were, ${where}`, async () => {
      const chosen = backend();
      const free = await sampleWithCount(model, requests, settings, chosen);
      assert.ok(free.texts[0]?.startsWith('7 7\n'.repeat(10)), 'the looping row runs to genLength without the rule');
      assert.equal(free.texts[1], '1 2 3<|endoftext|>');
      const cut = await sampleWithCount(model, requests, { ...settings, stopRule: { repeatedLines: 3 } }, chosen);
      assert.deepEqual(cut.texts, ['7 7\n'.repeat(3), free.texts[1], '7 7\n'.repeat(3), free.texts[3]]);
      assert.equal(cut.stoppedByRule, 2);
      assert.equal(free.stoppedByRule, 0);
      const kept = model.tokenizer.encode('7 7\n'.repeat(3)).length;
      assert.equal(free.tokens - cut.tokens, 2 * (settings.genLength - kept), 'each looping row stops after its third line');
    });
  }

  void it('ends a row once its answer is settled: commonsenseqa after its first line, end-of-text as before', async () => {
    const free = await sampleWithCount(model, requests, settings, createModelBackend('plain'));
    const settled = await sampleWithCount(
      model,
      requests,
      { ...settings, stopRule: { afterAnswer: { task: 'commonsenseqa' } } },
      createModelBackend('plain'),
    );
    assert.deepEqual(settled.texts, ['7 7\n', '1 2 3<|endoftext|>', '7 7\n', '1 2 3<|endoftext|>']);
    assert.ok(settled.texts.every((text, i) => free.texts[i]?.startsWith(text)));
  });
});
