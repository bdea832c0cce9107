import * as tf from '@tensorflow/tfjs-core';
import type { Layers } from '../../model-backend';
import { causalAttention, releaseAttentionMemory } from './attention';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The WebAssembly formulation (also used on tfjs's plain-JavaScript cpu backend): gradients that use
 * only what is fast on WebAssembly, plain 2-D `matMul` without transpose flags (XNNPACK; transposed
 * or batched products run a naive loop there, docs/performance.md): every gradient transposes explicitly, then
 * multiplies; layer norm has a closed-form gradient; the embedding gradient is a host scatter-add;
 * attention runs per (sequence, head) with its operands laid out on the host (attention.ts).
 */
function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  if (b) return (relu ? denseBiasRelu : denseBias)(x, w, b) as tf.Tensor2D;
  return matMulNoBias(x, w) as tf.Tensor2D;
}

/**
 * Column sums of dy [N, M], as a matmul with a row of ones: `tf.sum(dy, 0)` takes a slow strided
 * path on WebAssembly.
 */
function columnSum(dy: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]);
}

/**
 * Gradient of x [N, K] @ w [K, M] with respect to w. Transposing a tall activation is the costly
 * part (cache-unfriendly for wide rows), so the narrower of x and dy is transposed:
 * dW = x^T dy, or dW = (dy^T x)^T when M < K.
 */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  if (dy.shape[1] < x.shape[1]) return tf.transpose(tf.matMul(tf.transpose(dy), x)) as tf.Tensor2D;
  return tf.matMul(tf.transpose(x), dy);
}

const matMulNoBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sw)), weightGrad(sx, dy)];
    },
  };
}) as unknown as CustomGradientFunc);

const denseBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sw)), weightGrad(sx, dy), columnSum(dy)];
    },
  };
}) as unknown as CustomGradientFunc);

const denseBiasRelu = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
  save([x, w, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw, sy] = saved as tf.Tensor2D[];
      const dz = tf.mul(dy, tf.step(sy)) as tf.Tensor2D;
      return [tf.matMul(dz, tf.transpose(sw)), weightGrad(sx, dz), columnSum(dz)];
    },
  };
}) as unknown as CustomGradientFunc);

const LN_EPS = 1e-5;

const layerNormFast = tf.customGrad(((x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const mean = tf.mean(x, 1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), 1, true);
  const rstd = tf.rsqrt(tf.add(variance, LN_EPS));
  const xhat = tf.mul(xc, rstd);
  save([xhat, rstd, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sxhat, srstd, sg] = saved;
      const dxhat = tf.mul(dy, sg);
      const dx = tf.mul(srstd, tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(sxhat, tf.mean(tf.mul(dxhat, sxhat), 1, true))));
      return [dx, columnSum(tf.mul(dy, sxhat) as tf.Tensor2D), columnSum(dy as tf.Tensor2D)];
    },
  };
}) as unknown as CustomGradientFunc) as (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * Token embedding rows of `table` [V, D] for `ids`: a gather whose gradient is a scatter-add done on
 * the host in row order (deterministic). The gradient of `tf.gather` needs UnsortedSegmentSum,
 * which WebAssembly lacks, and the one-hot x table alternative costs two [N, V] x [V, D]-sized
 * matmuls plus a transpose per step.
 */
function embedTokens(ids: Int32Array, table: tf.Tensor2D): tf.Tensor2D {
  const [vocab, width] = table.shape;
  const f = tf.customGrad(((t: tf.Tensor2D) => ({
    value: tf.gather(t, tf.tensor1d(ids, 'int32')),
    gradFunc: (dy: tf.Tensor2D) => {
      const g = dy.dataSync() as Float32Array;
      const out = new Float32Array(vocab * width);
      for (let r = 0; r < ids.length; r++) {
        const dst = ids[r] * width;
        const src = r * width;
        for (let j = 0; j < width; j++) out[dst + j] += g[src + j];
      }
      return [tf.tensor2d(out, [vocab, width])];
    },
  })) as unknown as CustomGradientFunc);
  return f(table) as tf.Tensor2D;
}

export const wasmLayers: Layers = {
  dense,
  normDense: (x, g, beta, w, b, relu) => dense(layerNormFast(x, g, beta), w, b, relu),
  embedTokens,
  attention: causalAttention,
  release: releaseAttentionMemory,
};
