import * as tf from '@tensorflow/tfjs-core';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Differentiable building blocks whose gradients use only what is fast on the WebAssembly backend:
 * plain 2-D `matMul` without transpose flags (XNNPACK, ~20 GFLOP/s here, against ~2 GFLOP/s for
 * transposed or batched products). Every gradient transposes explicitly, then multiplies. They run
 * unchanged (and correctly) on the cpu and tensorflow backends.
 */

/** x @ w (+ b), then optional ReLU; x [N, K], w [K, M], b [M]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu = false): tf.Tensor2D {
  if (b) return (relu ? denseBiasRelu : denseBias)(x, w, b) as tf.Tensor2D;
  return matMulNoBias(x, w) as tf.Tensor2D;
}

const matMulNoBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy)];
    },
  };
}) as unknown as CustomGradientFunc);

const denseBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)];
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
      const dz = tf.mul(dy, tf.step(sy));
      return [tf.matMul(dz, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dz), tf.sum(dz, 0)];
    },
  };
}) as unknown as CustomGradientFunc);

const LN_EPS = 1e-5;

/** Layer normalisation over the last axis of x [N, D], with a hand-written gradient (fewer ops). */
export const layerNorm = tf.customGrad(((x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
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
      return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
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
