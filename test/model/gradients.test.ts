import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { arithmeticTokenizer, createModel, initBackend } from '../../model';
import { nativeBackend } from '../../model/backend';
import { gradientSum } from '../../model/gradients';
import { setFormulation, type Formulation } from '../../model/ops';
import { TINY, packedChunks, scratchpadExample } from './fixtures';

void describe('hand-written and native gradients', () => {
  before(async () => {
    await initBackend(() => {});
  });

  // Each formulation on the backend it is made for; test/model/backends.test.ts compares the two.
  void it('match tfjs autodiff of the plain formulation', () => {
    const mode: Formulation = nativeBackend() ? 'native' : 'host';
    {
      const tokenizer = arithmeticTokenizer();
      const texts = Array.from({ length: 12 }, (_, i) => scratchpadExample(23 + i * 7, 58 + i * 3));
      const rows = packedChunks(tokenizer, texts, TINY.seq + 1).slice(0, 3);
      const model = createModel(TINY, { seed: 4 });
      const names = model.weights.map((w) => w.name);
      try {
        setFormulation('plain');
        const plain = gradientSum(model.config, tokenizer, names, model.tensors(), rows);
        setFormulation(mode);
        const other = gradientSum(model.config, tokenizer, names, model.tensors(), rows);
        assert.equal(other.tokens, plain.tokens);
        assert.ok(Math.abs(other.lossSum - plain.lossSum) < 1e-3 * Math.abs(plain.lossSum), `loss ${other.lossSum} vs ${plain.lossSum}`);
        names.forEach((name, p) => {
          const a = other.grads[p];
          const b = plain.grads[p];
          let diff = 0;
          let norm = 0;
          for (let i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            norm = Math.max(norm, Math.abs(b[i]));
          }
          assert.ok(diff <= 1e-4 * norm + 1e-6, `${name}: max difference ${diff} against max magnitude ${norm}`);
        });
      } finally {
        setFormulation(undefined);
        model.dispose();
      }
    }
  });
});
