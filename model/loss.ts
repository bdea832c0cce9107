import * as tf from '@tensorflow/tfjs-core';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Sum over rows of the masked token cross-entropy: logits [N, V], targets one-hot [N, V], mask [N]
 * (1 where the token counts). The gradient is the closed form (softmax - one-hot) x mask, the same on
 * every backend.
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
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.mul(tf.sub(saved[0], targetsOneHot), tf.reshape(mask, [-1, 1])), dy)],
    };
  }) as unknown as CustomGradientFunc);
  return f(logits) as tf.Scalar;
}
