import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  arithmeticTokenizer,
  createModel,
  createModelBackend,
  gradientSum,
  initBackend,
  modelBackend,
  type ModelBackend,
} from '../../model';
import { TINY, packedChunks, scratchpadExample } from './fixtures';

void describe('hand-written and native gradients', () => {
  before(async () => {
    await initBackend(() => {});
  });

  /**
   * The WebAssembly layers are plain tfjs ops with hand-written gradients, so they run (slowly) on any
   * tfjs backend; the native ones need TensorFlow, so they are checked where it was chosen at start-up.
   * test/model/backends.test.ts compares native TensorFlow with WebAssembly on their own backends.
   */
  const formulations = (): ModelBackend[] => [
    createModelBackend('wasm', { workers: 0 }),
    ...(modelBackend().name === 'native-tf' ? [modelBackend()] : []),
  ];

  void it('match tfjs autodiff of the plain formulation', () => {
    const plainBackend = createModelBackend('plain');
    const tokenizer = arithmeticTokenizer();
    const texts = Array.from({ length: 12 }, (_, i) => scratchpadExample(23 + i * 7, 58 + i * 3));
    const rows = packedChunks(tokenizer, texts, TINY.seq + 1).slice(0, 3);
    const model = createModel(TINY, { seed: 4 });
    const names = model.weights.map((w) => w.name);
    try {
      const plain = gradientSum(plainBackend.layers, model.config, tokenizer, names, model.tensors(), rows);
      for (const backend of formulations()) {
        const other = gradientSum(backend.layers, model.config, tokenizer, names, model.tensors(), rows);
        assert.equal(other.tokens, plain.tokens);
        assert.ok(
          Math.abs(other.lossSum - plain.lossSum) < 1e-3 * Math.abs(plain.lossSum),
          `${backend.name} loss ${other.lossSum} vs ${plain.lossSum}`,
        );
        names.forEach((name, p) => {
          const a = other.grads[p];
          const b = plain.grads[p];
          let diff = 0;
          let norm = 0;
          for (let i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            norm = Math.max(norm, Math.abs(b[i]));
          }
          assert.ok(diff <= 1e-4 * norm + 1e-6, `${backend.name} ${name}: max difference ${diff} against max magnitude ${norm}`);
        });
      }
    } finally {
      model.dispose();
    }
  });
});
