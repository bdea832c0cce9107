import * as tf from '@tensorflow/tfjs-core';
import { causalBias } from './causal-mask';
import type { AttentionShape, Layers } from './model-backend';

const LN_EPS = 1e-5;

/**
 * The 'plain' formulation: tfjs's built-in ops and gradients everywhere (a one-hot embedding, 4-D
 * transposes and batched matmuls for attention). Slow on every backend; it is the baseline the
 * gradient test checks the native TensorFlow and WebAssembly formulations against.
 */
function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  const y = b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w);
  return (relu ? tf.relu(y) : y) as tf.Tensor2D;
}

function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b) as tf.Tensor2D;
}

function attention(qkv: tf.Tensor2D, s: AttentionShape): tf.Tensor2D {
  const { batch, len, heads: h, dModel } = s;
  const dh = dModel / h;
  const heads = tf.transpose(tf.reshape(qkv, [batch, len, 3 * h, dh]), [0, 2, 1, 3]); // [B, 3H, T, dh]
  const [q, k, v] = tf.split(tf.reshape(heads, [batch, 3, h * len * dh]), 3, 1).map((t) => tf.reshape(t, [batch * h, len, dh]));
  const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true); // [B*H, T, T]
  const probs = tf.softmax(tf.add(scores, causalBias(len)));
  const out = tf.matMul(probs, v); // [B*H, T, dh]
  return tf.reshape(tf.transpose(tf.reshape(out, [batch, h, len, dh]), [0, 2, 1, 3]), [batch * len, dModel]);
}

export const plainLayers: Layers = {
  dense,
  normDense: (x, g, beta, w, b, relu) => dense(layerNorm(x, g, beta), w, b, relu),
  embedTokens: (ids, table) => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), table.shape[0]), table),
  attention,
};
