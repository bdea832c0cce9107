import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  createModelBackend,
  initBackend,
  loadModel,
  sampleUncached,
  sampleWithCount,
  type EmbeddedModel,
  type ModelBackend,
  type SampleOptions,
  type SampleRequest,
} from '../../model';

/**
 * Cached decoding with the cache held as TensorFlow tensors (the tensorflow backend's default)
 * against the host-cache path and uncached decoding, all on the tensorflow backend.
 * Skipped where @tensorflow/tfjs-node does not load (scripts/install-tfjs-node.sh installs it).
 */
let nativeMissing: string | false = false;
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
} catch (err) {
  nativeMissing = `@tensorflow/tfjs-node does not load here (${(err as Error).message.split('\n')[0]}); run scripts/install-tfjs-node.sh`;
}

// Both native TensorFlow: the cache as TensorFlow tensors (the default) and as host arrays.
const tensorCache = createModelBackend('native-tf');
const hostCache = createModelBackend('native-tf', { decodeCache: 'host' });
const sampleIn = (backend: ModelBackend, model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions) =>
  sampleWithCount(model, requests, options, backend);

const digits = (n: number) => String(n).split('').join(' ');
const problem = (a: number, b: number) => `Input:\n${digits(a)} + ${digits(b)}\nTarget:\n`;

void describe('decoding with the cache as TensorFlow tensors', { skip: nativeMissing }, () => {
  let model: EmbeddedModel;
  // Prompts of different lengths (left padding in a shared batch), some long enough to finish late.
  const prompts = [problem(3, 4), problem(27, 58), problem(345, 678), problem(12, 9), problem(4021, 597), problem(88, 13), 'Input:\n', ''];

  before(async () => {
    await initBackend(() => {});
    assert.ok(await tf.setBackend('tensorflow'));
    model = await loadModel('pretrained/arithmetic-base');
  });
  after(() => model.dispose());

  void it('decodes greedily the same tokens as the host-cache path and as uncached decoding', async () => {
    const requests = prompts.map((prompt, seed) => ({ prompt, seed }));
    // batchSize 5: two batches, rows of different lengths finishing at different steps (row dropping).
    const opts = { genLength: 90, temperature: 0, topP: 1, batchSize: 5 };
    const tensors = await sampleIn(tensorCache, model, requests, opts);
    const host = await sampleIn(hostCache, model, requests, opts);
    const uncached = await sampleUncached(model, requests, opts, tensorCache);
    assert.deepEqual(tensors.texts, host.texts);
    assert.deepEqual(tensors.texts, uncached);
    assert.equal(tensors.tokens, host.tokens);
    assert.ok(
      tensors.texts.some((t) => t.includes('</scratch>')),
      `the base model should write scratchpads: ${tensors.texts[2]}`,
    );
    assert.ok(new Set(tensors.texts.map((t) => t.length)).size > 1, 'rows should finish at different steps');
  });

  void it('decodes the same tokens with attention as batched matmuls (large caches) and as multiply-and-sum (small ones)', async () => {
    const requests = prompts.map((prompt, seed) => ({ prompt, seed }));
    const opts = { genLength: 60, temperature: 0, topP: 1, batchSize: 4 };
    const host = await sampleIn(hostCache, model, requests, opts);
    for (const elementwiseAttentionMax of [0, Infinity]) {
      const backend = createModelBackend('native-tf', { elementwiseAttentionMax });
      assert.deepEqual(
        (await sampleIn(backend, model, requests, opts)).texts,
        host.texts,
        `elementwiseAttentionMax ${elementwiseAttentionMax}`,
      );
    }
  });

  void it('gives logits within float tolerance of the host-cache path at every step, across row dropping', () => {
    const ids = prompts.slice(0, 4).map((p) => model.tokenizer.encode(p));
    const len = Math.max(...ids.map((p) => p.length));
    const pad = ids.map((p) => len - p.length);
    const batch = ids.length;
    const steps = 12;
    const capacity = len + steps + 1;
    const flat = new Int32Array(batch * len);
    ids.forEach((p, b) => flat.set(p, b * len + pad[b]));
    const host = hostCache.decoder(model);
    const native = tensorCache.decoder(model);
    const compare = (a: tf.Tensor, b: tf.Tensor, what: string) => {
      const [x, y] = [a.dataSync(), b.dataSync()];
      tf.dispose([a, b]);
      assert.equal(x.length, y.length, what);
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < x.length; i++) {
        diff = Math.max(diff, Math.abs(x[i] - y[i]));
        norm = Math.max(norm, Math.abs(y[i]));
      }
      assert.ok(diff <= 1e-4 * norm, `${what}: max difference ${diff} against max magnitude ${norm}`);
    };
    try {
      const a = tf.tidy(() => host.prefill(flat, batch, len, pad, capacity));
      const b = tf.tidy(() => native.prefill(flat, batch, len, pad, capacity));
      compare(b, a, 'prefill');
      let rows = ids.map((_, i) => i);
      for (let step = 0; step < steps; step++) {
        if (step === 5) {
          // Drop rows 1 and 3 as sampling does when they finish.
          rows = [rows[0], rows[2]];
          host.select([0, 2]);
          native.select([0, 2]);
        }
        const feed = Int32Array.from(rows, (r) => 20 + ((r * 7 + step * 3) % 200));
        const positions = Int32Array.from(rows, (r) => len + step - pad[r]);
        const x = tf.tidy(() => host.step(feed, positions));
        const y = tf.tidy(() => native.step(feed, positions));
        compare(y, x, `step ${step}`);
      }
    } finally {
      host.dispose();
      native.dispose();
    }
  });

  void it('draws seeded samples from per-request generators: the same texts as the host-cache path, batched or alone', async () => {
    const requests = prompts.map((prompt, i) => ({ prompt, seed: 100 + i }));
    const opts = { genLength: 60, temperature: 0.8, topP: 0.9 };
    const together = await sampleIn(tensorCache, model, requests, { ...opts, batchSize: 8 });
    const host = await sampleIn(hostCache, model, requests, { ...opts, batchSize: 8 });
    const alone = await Promise.all(
      requests.map(async (r) => (await sampleIn(tensorCache, model, [r], { ...opts, batchSize: 1 })).texts[0]),
    );
    assert.deepEqual(together.texts, host.texts);
    assert.deepEqual(together.texts, alone);
    const reseeded = await sampleIn(
      tensorCache,
      model,
      requests.map((r) => ({ ...r, seed: r.seed + 1 })),
      { ...opts, batchSize: 8 },
    );
    assert.notDeepEqual(reseeded.texts, together.texts);
  });

  void it('frees its tensors: none left behind after sampling', async () => {
    const requests = prompts.map((prompt, seed) => ({ prompt, seed }));
    const opts = { genLength: 30, temperature: 0, topP: 1, batchSize: 3 };
    await sampleIn(tensorCache, model, requests, opts); // folded weights made once, kept with the model
    const before = tf.memory().numTensors;
    await sampleIn(tensorCache, model, requests, opts);
    assert.equal(tf.memory().numTensors, before);
  });
});
