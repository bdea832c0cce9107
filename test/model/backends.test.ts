import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  arithmeticTokenizer,
  createModel,
  createModelBackend,
  gradientSum,
  initBackend,
  loadModel,
  sampleWithCount,
  type EmbeddedModel,
} from '../../model';
import { TINY, packedChunks, scratchpadExample } from './fixtures';

/**
 * The native TensorFlow backend (training with direct TF ops; sampling with the cache as TF tensors)
 * against the WebAssembly backend (hand-written gradients, host attention, SIMD cache kernels), each
 * constructed explicitly and run on its tfjs backend in this one process.
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

async function on<T>(backend: 'tensorflow' | 'wasm', run: () => T | Promise<T>): Promise<T> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not start`);
  await tf.ready();
  return run();
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): { diff: number; norm: number } {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    norm = Math.max(norm, Math.abs(b[i]));
  }
  return { diff, norm };
}

void describe('native TensorFlow and WebAssembly give the same results', { skip: nativeMissing }, () => {
  const tokenizer = arithmeticTokenizer();
  // Workers 0: this test compares formulations on one thread (worker threads would pick their own backend).
  const backends = { wasm: createModelBackend('wasm', { workers: 0 }), tensorflow: createModelBackend('native-tf') };
  before(async () => {
    await initBackend(() => {});
  });

  void it('computes the same loss and gradients', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => scratchpadExample(23 + i * 7, 58 + i * 3));
    const rows = packedChunks(tokenizer, texts, TINY.seq + 1).slice(0, 3);
    const model = createModel(TINY, { seed: 4 });
    const names = model.weights.map((w) => w.name);
    const grads = async (backend: 'tensorflow' | 'wasm') =>
      on(backend, () => gradientSum(backends[backend].layers, model.config, tokenizer, names, model.tensors(), rows));
    try {
      const wasm = await grads('wasm');
      const native = await grads('tensorflow');
      assert.equal(native.tokens, wasm.tokens);
      assert.ok(Math.abs(native.lossSum - wasm.lossSum) < 1e-4 * Math.abs(wasm.lossSum), `loss ${native.lossSum} vs ${wasm.lossSum}`);
      names.forEach((name, p) => {
        const { diff, norm } = maxRelativeDifference(native.grads[p], wasm.grads[p]);
        assert.ok(diff <= 1e-4 * norm + 1e-6, `${name}: max difference ${diff} against max magnitude ${norm}`);
      });
    } finally {
      model.dispose();
      await tf.setBackend('tensorflow');
    }
  });

  void it('samples the same texts from the arithmetic base model, batched and alone', async () => {
    const model: EmbeddedModel = await loadModel('pretrained/arithmetic-base');
    const problems = [
      [3, 4],
      [27, 58],
      [345, 678],
      [12, 9],
      [4021, 597],
      [88, 13],
    ];
    const requests = problems.map(([a, b], i) => ({
      prompt: `Input:\n${String(a).split('').join(' ')} + ${String(b).split('').join(' ')}\nTarget:\n`,
      seed: i,
    }));
    const options = { genLength: 90, temperature: 0.01, topP: 0.9, batchSize: 4 };
    try {
      const wasm = await on('wasm', () => sampleWithCount(model, requests, options, backends.wasm));
      const native = await on('tensorflow', () => sampleWithCount(model, requests, options, backends.tensorflow));
      const alone = await on('tensorflow', () =>
        sampleWithCount(model, requests.slice(4, 5), { ...options, batchSize: 1 }, backends.tensorflow),
      );
      assert.deepEqual(native.texts, wasm.texts);
      assert.equal(alone.texts[0], wasm.texts[4]);
      assert.ok(
        wasm.texts.some((t) => t.includes('</scratch>')),
        `the base model should write scratchpads: ${wasm.texts[0]}`,
      );
    } finally {
      model.dispose();
      await tf.setBackend('tensorflow');
    }
  });
});
