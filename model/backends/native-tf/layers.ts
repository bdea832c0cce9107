import * as tf from '@tensorflow/tfjs-core';
import type { Layers } from '../../model-backend';
import { nativeCausalAttention } from './attention';
import * as eager from './tf-eager';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The native TensorFlow formulation: tf ops TensorFlow runs well as they are (transposed and batched
 * products are fast there), a gather embedding (its gradient is UnsortedSegmentSum), batched
 * attention with its gradient written out (attention.ts), and layer norm folded into the dense layer
 * it feeds.
 *
 * Dense layers are single TF ops called directly (tf-eager.ts): MatMul (transpose flags instead of
 * transposes), BiasAdd, Relu, and in the gradient ReluGrad and BiasAddGrad. tfjs's own
 * `fused.matMul` gradient on tfjs-node takes the relu derivative with `step` (six ops and two [N, M]
 * allocations) and reaches 2-D products through BatchMatMul with reshapes. Ops called directly are
 * not on tfjs's gradient tape, so each layer is one customGrad with its gradient here.
 */
/** dx, dW (and db) of x @ w (+ b) given dz, the gradient at the layer's linear output. */
const nativeDenseGrads = (dz: tf.Tensor, x: tf.Tensor, w: tf.Tensor, bias: boolean): tf.Tensor[] => [
  eager.matMul(dz, w, false, true),
  eager.matMul(x, dz, true, false),
  ...(bias ? [eager.biasAddGrad(dz)] : []),
];

const nativeMatMul = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return { value: eager.matMul(x, w), gradFunc: (dy: tf.Tensor2D, [sx, sw]: tf.Tensor[]) => nativeDenseGrads(dy, sx, sw, false) };
}) as unknown as CustomGradientFunc);

const nativeDenseBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: eager.biasAdd(eager.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, [sx, sw]: tf.Tensor[]) => nativeDenseGrads(dy, sx, sw, true),
  };
}) as unknown as CustomGradientFunc);

const nativeDenseBiasRelu = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const y = eager.relu(eager.biasAdd(eager.matMul(x, w), b));
  save([x, w, y]);
  return { value: y, gradFunc: (dy: tf.Tensor2D, [sx, sw, sy]: tf.Tensor[]) => nativeDenseGrads(eager.reluGrad(dy, sy), sx, sw, true) };
}) as unknown as CustomGradientFunc);

function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  return (b ? (relu ? nativeDenseBiasRelu : nativeDenseBias)(x, w, b) : nativeMatMul(x, w)) as tf.Tensor2D;
}

const LN_EPS = 1e-5;

/**
 * dense(layerNorm(x, g, beta), w, b, relu) with the norm's gain and bias folded into the matrix and
 * bias first (w' = diag(g) w, b' = beta w + b, [D, M]-sized work whose gradient tfjs's autodiff
 * gives), so the [N, D] activations only go through the normalisation: six fewer [N, D] passes per
 * norm (the affine, its gradient dy * g, and the two column sums of dg and dbeta) on the
 * memory-bound part of a training step.
 */
function normDense(x: tf.Tensor2D, g: tf.Tensor1D, beta: tf.Tensor1D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  const [d, m] = w.shape;
  const folded = tf.mul(tf.reshape(g, [d, 1]), w) as tf.Tensor2D;
  const shift = tf.reshape(tf.matMul(tf.reshape(beta, [1, d]), w), [m]);
  return dense(nativeNormalize(x), folded, (b ? tf.add(shift, b) : shift) as tf.Tensor1D, relu);
}

/** (x - mean) / sqrt(var + eps) per row of x [N, D], as direct TensorFlow ops with its gradient. */
const nativeNormalize = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const xc = eager.sub(x, eager.mean(x, 1));
  const rstd = eager.rsqrt(eager.add(eager.mean(eager.square(xc), 1), eager.scalar(LN_EPS))); // [N, 1]
  const xhat = eager.mul(xc, rstd);
  save([xhat, rstd]);
  return {
    value: xhat,
    gradFunc: (dy: tf.Tensor2D, [sxhat, srstd]: tf.Tensor[]) => {
      const centred = eager.sub(dy, eager.mean(dy, 1));
      return [eager.mul(srstd, eager.sub(centred, eager.mul(sxhat, eager.mean(eager.mul(dy, sxhat), 1))))];
    },
  };
}) as unknown as CustomGradientFunc) as (x: tf.Tensor2D) => tf.Tensor2D;

export const nativeLayers: Layers = {
  dense,
  normDense,
  embedTokens: (ids, table) => tf.gather(table, tf.tensor1d(ids, 'int32')),
  attention: (qkv, s) => nativeCausalAttention(qkv, s.batch, s.len, s.heads),
};
