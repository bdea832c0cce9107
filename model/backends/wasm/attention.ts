import * as tf from '@tensorflow/tfjs-core';
import { causalBias, MASKED } from '../../causal-mask';
import type { AttentionShape } from '../../model-backend';

/**
 * Causal multi-head attention built from plain 2-D matmuls, one (sequence, head) pair at a time.
 *
 * Why: on the WebAssembly backend only a non-transposed 2-D `matMul` reaches XNNPACK; batched or
 * transposed products run a naive loop an order of magnitude slower, which made attention over half
 * of a training step (docs/performance.md). Slicing a tensor there copies the whole input per slice, so the
 * per-head operands are laid out on the host instead (one read of qkv, one pass of JS loops that
 * also produce every transposed copy the backward pass needs), then uploaded as small tensors.
 *
 * Layout: qkv [B*T, 3D] holds q for all heads, then k, then v (head h at columns h*dh..). Output
 * [B*T, D] with head h at columns h*dh.
 */

interface PairTensors {
  probs: tf.Tensor2D; // [T, T]
  k: tf.Tensor2D; // [T, dh]
  qsT: tf.Tensor2D; // [dh, T], q pre-scaled
  vT: tf.Tensor2D; // [dh, T]
}

/** Tensors kept from a forward pass for its backward pass; disposed by `releaseAttentionMemory`. */
const pending = new Set<PairTensors[]>();

/** Frees anything a forward pass kept for a backward pass that did not run. */
export function releaseAttentionMemory(): void {
  for (const pairs of pending) for (const p of pairs) tf.dispose([p.probs, p.k, p.qsT, p.vT]);
  pending.clear();
}

/**
 * Forward pass on host data. `pad[b]` masks the first pad[b] key positions of row b (left padding
 * when sampling). With `keep`, the tensors the backward pass needs are returned (else disposed).
 */
function forwardHost(qkv: Float32Array, s: AttentionShape, keep: boolean, pad?: number[]): { out: Float32Array; pairs: PairTensors[] } {
  const { batch: B, len: T, heads: H, dModel: D } = s;
  const dh = D / H;
  const scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * T * D);
  const pairs: PairTensors[] = [];
  const q = new Float32Array(T * dh);
  const qT = new Float32Array(dh * T);
  const k = new Float32Array(T * dh);
  const kT = new Float32Array(dh * T);
  const v = new Float32Array(T * dh);
  const vT = new Float32Array(dh * T);
  const causal = causalBias(T);
  for (let b = 0; b < B; b++) {
    let bias: tf.Tensor2D = causal;
    if (pad && pad[b] > 0) {
      const row = new Float32Array(T);
      row.fill(MASKED, 0, pad[b]);
      bias = tf.add(causal, tf.tensor2d(row, [1, T])) as tf.Tensor2D;
    }
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const base = (b * T + t) * 3 * D + h * dh;
        for (let j = 0; j < dh; j++) {
          const qv = qkv[base + j] * scale;
          const kv = qkv[base + D + j];
          const vv = qkv[base + 2 * D + j];
          q[t * dh + j] = qv;
          qT[j * T + t] = qv;
          k[t * dh + j] = kv;
          kT[j * T + t] = kv;
          v[t * dh + j] = vv;
          vT[j * T + t] = vv;
        }
      }
      const probs = tf.tidy(() => tf.softmax(tf.add(tf.matMul(tf.tensor2d(q, [T, dh]), tf.tensor2d(kT, [dh, T])), bias)));
      const o = tf.tidy(() => tf.matMul(probs, tf.tensor2d(v, [T, dh])));
      const ov = o.dataSync() as Float32Array;
      o.dispose();
      for (let t = 0; t < T; t++) {
        const base = (b * T + t) * D + h * dh;
        for (let j = 0; j < dh; j++) out[base + j] = ov[t * dh + j];
      }
      if (keep) {
        // Kept: customGrad disposes what its forward pass created unless it is kept or returned.
        // Copies: the buffers are refilled for the next head, and the cpu and tensorflow backends
        // keep a tensor's typed array without copying it until the tensor is first used.
        pairs.push({
          probs: tf.keep(probs) as tf.Tensor2D,
          k: tf.keep(tf.tensor2d(k.slice(), [T, dh])),
          qsT: tf.keep(tf.tensor2d(qT.slice(), [dh, T])),
          vT: tf.keep(tf.tensor2d(vT.slice(), [dh, T])),
        });
      } else probs.dispose();
    }
    if (bias !== causal) bias.dispose();
  }
  return { out, pairs };
}

function backwardHost(dy: Float32Array, pairs: PairTensors[], s: AttentionShape): Float32Array {
  const { batch: B, len: T, heads: H, dModel: D } = s;
  const dh = D / H;
  const scale = 1 / Math.sqrt(dh);
  const dqkv = new Float32Array(B * T * 3 * D);
  const dO = new Float32Array(T * dh);
  const dOT = new Float32Array(dh * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const p = pairs[b * H + h];
      for (let t = 0; t < T; t++) {
        const base = (b * T + t) * D + h * dh;
        for (let j = 0; j < dh; j++) {
          const g = dy[base + j];
          dO[t * dh + j] = g;
          dOT[j * T + t] = g;
        }
      }
      const [dvT, dq, dkT] = tf.tidy(() => {
        const dOt = tf.tensor2d(dO, [T, dh]);
        const dP = tf.matMul(dOt, p.vT);
        const dS = tf.mul(p.probs, tf.sub(dP, tf.sum(tf.mul(dP, p.probs), 1, true)));
        return [tf.matMul(tf.tensor2d(dOT, [dh, T]), p.probs), tf.matMul(dS, p.k), tf.matMul(p.qsT, dS)];
      });
      const dvTv = dvT.dataSync() as Float32Array;
      const dqv = dq.dataSync() as Float32Array;
      const dkTv = dkT.dataSync() as Float32Array;
      tf.dispose([dvT, dq, dkT]);
      for (let t = 0; t < T; t++) {
        const base = (b * T + t) * 3 * D + h * dh;
        for (let j = 0; j < dh; j++) {
          dqkv[base + j] = dqv[t * dh + j] * scale;
          dqkv[base + D + j] = dkTv[j * T + t];
          dqkv[base + 2 * D + j] = dvTv[j * T + t];
        }
      }
    }
  }
  return dqkv;
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Differentiable causal attention: qkv [B*T, 3D] -> [B*T, D]. */
export function causalAttention(qkv: tf.Tensor2D, s: AttentionShape): tf.Tensor2D {
  const f = tf.customGrad(((x: tf.Tensor2D) => {
    const { out, pairs } = forwardHost(x.dataSync() as Float32Array, s, true);
    pending.add(pairs);
    return {
      value: tf.tensor2d(out, [s.batch * s.len, s.dModel]),
      gradFunc: (dy: tf.Tensor2D) => {
        const dqkv = backwardHost(dy.dataSync() as Float32Array, pairs, s);
        for (const p of pairs) tf.dispose([p.probs, p.k, p.qsT, p.vT]);
        pending.delete(pairs);
        return [tf.tensor2d(dqkv, [s.batch * s.len, 3 * s.dModel])];
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(qkv) as tf.Tensor2D;
}

/** Forward only (sampling prefill), with left padding masked per row. */
export function attentionForward(qkv: Float32Array, s: AttentionShape, pad?: number[]): tf.Tensor2D {
  const { out } = forwardHost(qkv, s, false, pad);
  return tf.tensor2d(out, [s.batch * s.len, s.dModel]);
}
