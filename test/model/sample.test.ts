import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { END_OF_TEXT } from '../../core/tokenizer';
import {
  arithmeticTokenizer,
  createModel,
  initBackend,
  loadModel,
  sample,
  sampleUncached,
  saveCheckpoint,
  train,
  type LoadedModel,
} from '../../model';
import { TINY, packedChunks, scratchpadExample, tempDir } from './fixtures';

void describe('embedded model sampling', () => {
  let model: LoadedModel;
  const prompts = ['Input:\n2 9 + 5 7\nTarget:\n', 'Input:\n1 2 + 3 4\nTarget:\n<scratch>\n', 'Input:\n5 + 5\nTarget:\n', 'Input:\n', ''];

  before(async () => {
    await initBackend(() => {});
    const tokenizer = arithmeticTokenizer();
    const dir = tempDir();
    await saveCheckpoint(createModel(TINY, { seed: 21 }), join(dir, 'base'), { step: 0 });
    const texts = Array.from({ length: 40 }, (_, i) => scratchpadExample(10 + ((i * 7) % 90), 10 + ((i * 13) % 90)));
    const result = await train({
      baseCheckpointUri: join(dir, 'base'),
      chunks: packedChunks(tokenizer, texts, TINY.seq + 1),
      totalSteps: 25,
      outputDirUri: join(dir, 'run'),
      checkpointEvery: 25,
      lr: 1e-2,
      warmupSteps: 0,
      batchSize: 8,
      gradientAccumulationSteps: 1,
      seed: 1,
    });
    model = await loadModel(result.checkpointUri);
  });

  void it("keeps only the last maxPromptTokens tokens of a prompt (the reference's eval_seq under no_prompt)", async () => {
    const tail = 'Input:\n2 9 + 5 7\nTarget:\n';
    const limit = model.tokenizer.encode(tail).length;
    const opts = { genLength: 20, temperature: 0.5, topP: 0.9 };
    const alone = await sample(model, [{ prompt: tail, seed: 3 }], opts);
    const cut = await sample(model, [{ prompt: `Input:\n1 + 1\nTarget:\n1 1\n${tail}`, seed: 3, maxPromptTokens: limit }], opts);
    assert.deepEqual(cut, alone);
  });

  void it('decodes greedily the same with and without the key/value cache', async () => {
    const requests = prompts.map((prompt, seed) => ({ prompt, seed }));
    const opts = { genLength: 40, temperature: 0, topP: 1, batchSize: 3 };
    const cached = await sample(model, requests, opts);
    const uncached = await sampleUncached(model, requests, opts);
    assert.deepEqual(cached, uncached);
    assert.ok(cached.some((text) => text.length > 0));
  });

  void it('gives a request the same text whatever shares its batch', async () => {
    const requests = prompts.map((prompt, i) => ({ prompt, seed: 100 + i }));
    const opts = { genLength: 30, temperature: 0.8, topP: 0.9 };
    const together = await sample(model, requests, { ...opts, batchSize: 5 });
    const alone = await Promise.all(requests.map(async (r) => (await sample(model, [r], { ...opts, batchSize: 1 }))[0]));
    assert.deepEqual(together, alone);
    // Rows finishing at different steps exercise dropping finished rows from the batch.
    assert.ok(new Set(together.map((t) => t.length)).size > 1);
  });

  void it('repeats a seeded sample and varies with the seed', async () => {
    const opts = { genLength: 30, temperature: 1.5, topP: 1 };
    const a = await sample(model, [{ prompt: 'Input:\n', seed: 1 }], opts);
    const b = await sample(model, [{ prompt: 'Input:\n', seed: 1 }], opts);
    const others = await sample(
      model,
      [2, 3, 4, 5].map((seed) => ({ prompt: 'Input:\n', seed })),
      opts,
    );
    assert.deepEqual(a, b);
    assert.ok(others.some((text) => text !== a[0]));
  });

  void it('stops at end-of-text and ends the continuation with the literal', async () => {
    const out = await sample(model, [{ prompt: 'Input:\n2 9 + 5 7\nTarget:\n', seed: 0 }], { genLength: 60, temperature: 0, topP: 1 });
    const tokenizer = model.tokenizer;
    const ids = tokenizer.encode(out[0]);
    assert.ok(ids.length <= 60);
    const eot = out[0].indexOf(END_OF_TEXT);
    if (eot >= 0) assert.equal(eot, out[0].length - END_OF_TEXT.length);
    else assert.equal(ids.length, 60);
  });

  void it('left-truncates prompts longer than the context', async () => {
    const long = 'Input:\n' + '1 '.repeat(200);
    const [out] = await sample(model, [{ prompt: long, seed: 0 }], { genLength: 10, temperature: 0, topP: 1 });
    assert.equal(typeof out, 'string');
  });

  void it('reports progress as requests finish', async () => {
    const seen: number[] = [];
    await sample(
      model,
      prompts.map((prompt, seed) => ({ prompt, seed })),
      { genLength: 5, temperature: 0, topP: 1, batchSize: 2, onProgress: (n) => seen.push(n) },
    );
    // Batches of at most 2 may finish in any order across worker threads; counts only grow.
    assert.equal(seen.at(-1), 5);
    seen.forEach((n, i) => assert.ok(n - (seen[i - 1] ?? 0) >= 1 && n - (seen[i - 1] ?? 0) <= 2, `progress ${seen.join(', ')}`));
  });
});
