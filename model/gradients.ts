import * as tf from '@tensorflow/tfjs-core';
// The gradients of built-in ops (add, softmax, batched matMul, ...) are registered by this import.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tokenizer } from '../core/tokenizer';
import type { ModelConfig } from './config';
import { maskedCrossEntropySum } from './loss';
import { targetMask } from './loss-mask';
import type { Layers } from './model-backend';
import { trainingLogits, type WeightTensors } from './transformer';

/** Gradient of the summed answer-token loss of some rows, not yet divided by the token count. */
export interface GradientSum {
  grads: Float32Array[];
  lossSum: number;
  tokens: number;
}

/**
 * Forward and backward pass over `rows` (each `len + 1` token ids) in the given layers' formulation,
 * on the active tfjs backend.
 * Sums (not means) are returned so that several passes (accumulation steps, worker threads) add up
 * to exactly the gradient of the whole step.
 */
export function gradientSum(
  layers: Layers,
  c: ModelConfig,
  tokenizer: Tokenizer,
  names: string[],
  w: WeightTensors,
  rows: Int32Array[],
): GradientSum {
  const len = rows[0].length - 1;
  const inputs = new Int32Array(rows.length * len);
  const targets = new Int32Array(rows.length * len);
  const mask = new Float32Array(rows.length * len);
  rows.forEach((row, b) => {
    if (row.length !== len + 1) throw new Error(`training chunks must all have the same length; got ${row.length} and ${len + 1}`);
    inputs.set(row.subarray(0, len), b * len);
    targets.set(row.subarray(1), b * len);
    mask.set(targetMask(row, tokenizer), b * len);
  });
  let tokens = 0;
  for (const m of mask) tokens += m;
  const { value, grads } = tf.tidy(() => {
    // Cast once: the loss multiplies and subtracts it with float logits, and each use of an int32
    // one-hot would cast [N, V] again. (oneHot's own dtype argument is ignored by the WebAssembly
    // kernel, which then writes integer bits into a float buffer.)
    const targetOneHot = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), c.n_vocab), 'float32') as tf.Tensor2D;
    const maskT = tf.tensor1d(mask);
    const f = (...ws: tf.Tensor[]) => {
      const named: WeightTensors = {};
      names.forEach((n, i) => (named[n] = ws[i]));
      return maskedCrossEntropySum(trainingLogits(layers, c, named, inputs, rows.length, len), targetOneHot, maskT);
    };
    return tf.valueAndGrads(f)(names.map((n) => w[n]));
  });
  layers.release?.();
  const out: GradientSum = { grads: grads.map((g) => g.dataSync() as Float32Array), lossSum: value.dataSync()[0], tokens };
  tf.dispose([value, ...grads]);
  return out;
}
