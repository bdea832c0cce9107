/**
 * The completion stop rule in the embedded sampler: a row that loops ends once the rule fires, the
 * other rows of its batch come out as they would without it; on this thread and in the compute pool.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createModelBackend,
  initBackend,
  loadModel,
  sampleWithCount,
  shutdownComputePool,
  type LoadedModel,
  type ModelBackend,
} from '../../model';
import { ENDING, LOOPING, trainLoopingModel } from './looping-model';

void describe('embedded sampling with a completion stop rule', () => {
  let model: LoadedModel;

  before(async () => {
    await initBackend(() => {});
    const checkpointUri = await trainLoopingModel();
    model = await loadModel(checkpointUri);
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
