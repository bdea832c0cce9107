import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend } from './backend';
import * as eager from './tf-eager';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Differentiable building blocks, in three formulations:
 * - 'host' (WebAssembly and cpu): gradients that use only what is fast on WebAssembly, plain 2-D
 *   `matMul` without transpose flags (XNNPACK, ~20 GFLOP/s here, against ~2 GFLOP/s for transposed
 *   or batched products): every gradient transposes explicitly, then multiplies; the embedding
 *   gradient is a host scatter-add and attention runs per (sequence, head) (attention.ts).
 * - 'native' (TensorFlow): tf ops TensorFlow runs well as they are: fused matmuls with their built-in
 *   gradients (transposed and batched products are fast there), a gather embedding (its gradient is
 *   UnsortedSegmentSum), batched attention, closed-form layer norm.
 * - 'plain': tfjs's built-in gradients everywhere, one-hot embedding: the baseline the benchmark
 *   measures against and the gradient test checks the others with.
 * The choice follows the active backend unless a test or benchmark sets it.
 */
export type Formulation = 'host' | 'native' | 'plain';

let forced: Formulation | undefined;
export function setFormulation(next: Formulation | undefined): void {
  forced = next;
}
export function formulation(): Formulation {
  return forced ?? (nativeBackend() ? 'native' : 'host');
}

/** x @ w (+ b), then optional ReLU; x [N, K], w [K, M], b [M]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  const mode = formulation();
  if (mode === 'plain') {
    const y = b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w);
    return (relu ? tf.relu(y) : y) as tf.Tensor2D;
  }
  if (mode === 'native') return (b ? (relu ? nativeDenseBiasRelu : nativeDenseBias)(x, w, b) : nativeMatMul(x, w)) as tf.Tensor2D;
  if (b) return (relu ? denseBiasRelu : denseBias)(x, w, b) as tf.Tensor2D;
  return matMulNoBias(x, w) as tf.Tensor2D;
}

/**
 * Column sums of dy [N, M]; on WebAssembly as a matmul with a row of ones: `tf.sum(dy, 0)` takes a
 * slow strided path there (~8x slower here).
 */
function columnSum(dy: tf.Tensor2D): tf.Tensor1D {
  if (formulation() === 'native') return tf.sum(dy, 0);
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

/**
 * Dense layers on TensorFlow, as single TF ops called directly (tf-eager.ts): MatMul (transpose
 * flags instead of transposes), BiasAdd, Relu, and in the gradient ReluGrad and BiasAddGrad.
 * tfjs's own `fused.matMul` gradient on tfjs-node takes the relu derivative with `step` (six ops and
 * two [N, M] allocations) and reaches 2-D products through BatchMatMul with reshapes. Ops called
 * directly are not on tfjs's gradient tape, so each layer is one customGrad with its gradient here.
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
  return { value: eager.biasAdd(eager.matMul(x, w), b), gradFunc: (dy: tf.Tensor2D, [sx, sw]: tf.Tensor[]) => nativeDenseGrads(dy, sx, sw, true) };
}) as unknown as CustomGradientFunc);

const nativeDenseBiasRelu = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const y = eager.relu(eager.biasAdd(eager.matMul(x, w), b));
  save([x, w, y]);
  return { value: y, gradFunc: (dy: tf.Tensor2D, [sx, sw, sy]: tf.Tensor[]) => nativeDenseGrads(eager.reluGrad(dy, sy), sx, sw, true) };
}) as unknown as CustomGradientFunc);

const LN_EPS = 1e-5;

/** Layer normalisation over the last axis of x [N, D], with a hand-written gradient (fewer ops). */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  if (formulation() === 'plain') {
    const { mean, variance } = tf.moments(x, 1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b) as tf.Tensor2D;
  }
  return layerNormFast(x, g, b);
}

/**
 * dense(layerNorm(x, g, beta), w, b, relu), the form every layer norm of the model feeds. Natively the
 * norm's gain and bias are folded into the matrix and bias first (w' = diag(g) w, b' = beta w + b,
 * [D, M]-sized work whose gradient tfjs's autodiff gives), so the [N, D] activations only go
 * through the normalisation: six fewer [N, D] passes per norm (the affine, its gradient dy * g, and
 * the two column sums of dg and dbeta) on the memory-bound part of a training step.
 */
export function normDense(x: tf.Tensor2D, g: tf.Tensor1D, beta: tf.Tensor1D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  if (formulation() !== 'native') return dense(layerNorm(x, g, beta), w, b, relu);
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
      const dx = tf.mul(
        srstd,
        tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(sxhat, tf.mean(tf.mul(dxhat, sxhat), 1, true))),
      );
      return [dx, columnSum(tf.mul(dy, sxhat) as tf.Tensor2D), columnSum(dy as tf.Tensor2D)];
    },
  };
}) as unknown as CustomGradientFunc) as (
  x: tf.Tensor2D,
  g: tf.Tensor1D,
  b: tf.Tensor1D,
) => tf.Tensor2D;

/**
 * Sum over rows of the masked token cross-entropy: logits [N, V], targets one-hot [N, V], mask [N]
 * (1 where the token counts). The gradient is the closed form (softmax - one-hot) x mask.
 */
export function maskedCrossEntropySum(logits: tf.Tensor2D, targetsOneHot: tf.Tensor2D, mask: tf.Tensor1D): tf.Scalar {
  const f = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const m = tf.max(z, 1, true);
    const e = tf.exp(tf.sub(z, m));
    const s = tf.sum(e, 1, true);
    const lse = tf.add(m, tf.log(s));
    const zt = tf.sum(tf.mul(z, targetsOneHot), 1, true);
    const nll = tf.reshape(tf.sub(lse, zt), [-1]);
    const p = tf.div(e, s);
    save([p]);
    return {
      value: tf.sum(tf.mul(nll, mask)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.mul(tf.mul(tf.sub(saved[0], targetsOneHot), tf.reshape(mask, [-1, 1])), dy),
      ],
    };
  }) as unknown as CustomGradientFunc);
  return f(logits) as tf.Scalar;
}

/**
 * Token embedding rows of `table` [V, D] for `ids`. Forward is a gather; natively its built-in
 * gradient (UnsortedSegmentSum). Elsewhere the gradient is a scatter-add done on the host in row order (deterministic). On WebAssembly the gradient of
 * `tf.gather` needs UnsortedSegmentSum, which is missing, and the one-hot x table alternative
 * costs two [N, V] x [V, D]-sized matmuls plus a transpose per step.
 */
export function embedTokens(ids: Int32Array, table: tf.Tensor2D): tf.Tensor2D {
  const mode = formulation();
  if (mode === 'native') return tf.gather(table, tf.tensor1d(ids, 'int32'));
  if (mode === 'plain') return matMulNoBias(tf.oneHot(tf.tensor1d(ids, 'int32'), table.shape[0]), table) as tf.Tensor2D;
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
