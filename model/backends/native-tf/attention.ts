import * as tf from '@tensorflow/tfjs-core';
import { causalBias } from '../../causal-mask';
import * as e from './tf-eager';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Causal multi-head attention for training on native TensorFlow: qkv [B*T, 3D] (all heads' q, then
 * k, then v) -> [B*T, D], as direct TensorFlow ops (tf-eager.ts) with the gradient written here.
 *
 * A training step's attention is bound by passes over the [B*H, T, T] scores (out of cache at the
 * default size), and tfjs's softmax gradient makes four of them (dy*y, its row sum,
 * the difference, the product). Here the row sum comes from the [B*H, T, dh] output instead:
 * sum_j p_ij (dOut_i . v_j) = dOut_i . out_i, so the softmax gradient is one subtraction and one
 * product over scores (FlashAttention's trick); the 1/sqrt(dh) scale is applied to q, not to the
 * scores. Queries are not split into causal blocks to skip the masked upper quarter of the scores:
 * the splits and concats cost what the skipped work saves (docs/performance.md).
 */
export function nativeCausalAttention(qkv: tf.Tensor2D, batch: number, len: number, heads: number): tf.Tensor2D {
  const D = qkv.shape[1] / 3;
  const dh = D / heads;
  const BH = batch * heads;
  const scale = e.scalar(1 / Math.sqrt(dh));
  const f = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const split = e.split(e.transpose(e.reshape(x, [batch, len, 3 * heads, dh]), [0, 2, 1, 3]), 3, 1); // 3 x [B, H, T, dh]
    const [q, k, v] = split.map((t) => e.reshape(t, [BH, len, dh]));
    const qs = e.mul(q, scale);
    const probs = e.softmax(e.add(e.batchMatMul(qs, k, false, true), causalBias(len))); // [BH, T, T]
    const out = e.batchMatMul(probs, v); // [BH, T, dh]
    save([qs, k, v, probs, out]);
    return {
      value: e.reshape(e.transpose(e.reshape(out, [batch, heads, len, dh]), [0, 2, 1, 3]), [batch * len, D]),
      gradFunc: (dy: tf.Tensor2D, [sqs, sk, sv, sprobs, sout]: tf.Tensor[]) => {
        const dout = e.reshape(e.transpose(e.reshape(dy, [batch, len, heads, dh]), [0, 2, 1, 3]), [BH, len, dh]);
        const rowDot = e.sum(e.mul(dout, sout), 2, true); // [BH, T, 1] = sum_j p_ij dP_ij
        const dscores = e.mul(sprobs, e.sub(e.batchMatMul(dout, sv, false, true), rowDot));
        const dq = e.mul(e.batchMatMul(dscores, sk), scale);
        const dk = e.batchMatMul(dscores, sqs, true, false);
        const dv = e.batchMatMul(sprobs, dout, true, false);
        const stacked = e.concat(
          [dq, dk, dv].map((t) => e.reshape(t, [batch, heads, len, dh])),
          1,
        ); // [B, 3H, T, dh]
        return [e.reshape(e.transpose(stacked, [0, 2, 1, 3]), [batch * len, 3 * D])];
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(qkv) as tf.Tensor2D;
}
