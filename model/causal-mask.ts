import * as tf from '@tensorflow/tfjs-core';

/** Added to attention scores where a key is masked: softmax then gives it an exact 0. */
export const MASKED = -1e9;

const biasCache = new Map<string, tf.Tensor2D>();

/**
 * [len, len]: 0 where query i may attend to key j (j <= i), MASKED above the diagonal. Kept per
 * length and tfjs backend (a test may run two backends in one process).
 */
export function causalBias(len: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${len}`;
  let bias = biasCache.get(key);
  if (!bias || bias.isDisposed) {
    const data = new Float32Array(len * len);
    for (let i = 0; i < len; i++) for (let j = i + 1; j < len; j++) data[i * len + j] = MASKED;
    bias = tf.keep(tf.tensor2d(data, [len, len]));
    biasCache.set(key, bias);
  }
  return bias;
}
