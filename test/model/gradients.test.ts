import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { arithmeticTokenizer, createModel, initBackend } from '../../model';
import { gradientSum } from '../../model/gradients';
import { setGradientMode } from '../../model/ops';
import { TINY, packedChunks, scratchpadExample } from './fixtures';

void describe('hand-written gradients', () => {
  before(async () => {
    await initBackend(() => {});
  });

  void it('match tfjs autodiff of the plain formulation', () => {
    const tokenizer = arithmeticTokenizer();
    const texts = Array.from({ length: 12 }, (_, i) => scratchpadExample(23 + i * 7, 58 + i * 3));
    const rows = packedChunks(tokenizer, texts, TINY.seq + 1).slice(0, 3);
    const model = createModel(TINY, { seed: 4 });
    const names = model.weights.map((w) => w.name);
    try {
      setGradientMode('plain');
      const plain = gradientSum(model.config, tokenizer, names, model.tensors(), rows);
      setGradientMode('fast');
      const fast = gradientSum(model.config, tokenizer, names, model.tensors(), rows);
      assert.equal(fast.tokens, plain.tokens);
      assert.ok(Math.abs(fast.lossSum - plain.lossSum) < 1e-3 * Math.abs(plain.lossSum), `loss ${fast.lossSum} vs ${plain.lossSum}`);
      names.forEach((name, p) => {
        const a = fast.grads[p];
        const b = plain.grads[p];
        let diff = 0;
        let norm = 0;
        for (let i = 0; i < a.length; i++) {
          diff = Math.max(diff, Math.abs(a[i] - b[i]));
          norm = Math.max(norm, Math.abs(b[i]));
        }
        assert.ok(diff <= 1e-3 * norm + 1e-6, `${name}: max difference ${diff} against max magnitude ${norm}`);
      });
    } finally {
      setGradientMode('fast');
      model.dispose();
    }
  });
});
