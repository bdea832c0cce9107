import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { attentionForward, causalAttention, causalBias } from './attention';
import { attendCached, createCache, storeKeysValues, type KvCache } from './kv-cache';
import { nativeCausalAttention } from './native-attention';
import { dense, embedTokens, formulation, normDense } from './ops';

export type { KvCache } from './kv-cache';

/** The model's weights as tensors, by the names of `weightSpecs`. */
export type WeightTensors = Record<string, tf.Tensor>;

/**
 * Causal multi-head attention the plain tfjs way (4-D transposes, batched matmuls, tfjs's autodiff):
 * the 'plain' formulation, which the gradient test checks `causalAttention` (WebAssembly) and
 * `nativeCausalAttention` (TensorFlow) with. qkv [B*T, 3D] (all heads' q, then k, then v) -> [B*T, D].
 */
function batchedAttention(c: ModelConfig, qkv: tf.Tensor2D, batch: number, len: number): tf.Tensor2D {
  const h = c.n_heads;
  const dh = c.d_model / h;
  const heads = tf.transpose(tf.reshape(qkv, [batch, len, 3 * h, dh]), [0, 2, 1, 3]); // [B, 3H, T, dh]
  const [q, k, v] = tf.split(tf.reshape(heads, [batch, 3, h * len * dh]), 3, 1).map((t) => tf.reshape(t, [batch * h, len, dh]));
  const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true); // [B*H, T, T]
  const probs = tf.softmax(tf.add(scores, causalBias(len)));
  const out = tf.matMul(probs, v); // [B*H, T, dh]
  return tf.reshape(tf.transpose(tf.reshape(out, [batch, h, len, dh]), [0, 2, 1, 3]), [batch * len, c.d_model]);
}

function block(
  c: ModelConfig,
  w: WeightTensors,
  l: number,
  x: tf.Tensor2D,
  attend: (qkv: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor2D {
  const p = `h${l}.`;
  const v1 = (name: string) => w[`${p}${name}`] as tf.Tensor1D;
  const m2 = (name: string) => w[`${p}${name}`] as tf.Tensor2D;
  const qkv = normDense(x, v1('ln1.g'), v1('ln1.b'), m2('attn.wqkv'), v1('attn.bqkv'));
  x = tf.add(x, dense(attend(qkv), m2('attn.wo'), v1('attn.bo')));
  const hidden = normDense(x, v1('ln2.g'), v1('ln2.b'), m2('mlp.w1'), v1('mlp.b1'), true);
  return tf.add(x, dense(hidden, m2('mlp.w2'), v1('mlp.b2')));
}

function head(w: WeightTensors, x: tf.Tensor2D): tf.Tensor2D {
  return normDense(x, w['lnf.g'] as tf.Tensor1D, w['lnf.b'] as tf.Tensor1D, w['head'] as tf.Tensor2D);
}

/** Training forward pass: ids [B*T] (rows of T) -> logits [B*T, V]. */
export function trainingLogits(c: ModelConfig, w: WeightTensors, ids: Int32Array, batch: number, len: number): tf.Tensor2D {
  const tokens = embedTokens(ids, w['wte'] as tf.Tensor2D);
  const positions = tf.slice(w['wpe'], [0, 0], [len, c.d_model]);
  let x = tf.reshape(tf.add(tf.reshape(tokens, [batch, len, c.d_model]), positions), [batch * len, c.d_model]) as tf.Tensor2D;
  const shape = { batch, len, heads: c.n_heads, dModel: c.d_model };
  const mode = formulation();
  const attend =
    mode === 'host'
      ? (qkv: tf.Tensor2D) => causalAttention(qkv, shape)
      : mode === 'native'
        ? (qkv: tf.Tensor2D) => nativeCausalAttention(qkv, batch, len, c.n_heads)
        : (qkv: tf.Tensor2D) => batchedAttention(c, qkv, batch, len);
  for (let l = 0; l < c.layers; l++) x = block(c, w, l, x, attend);
  return head(w, x);
}

function embedAt(w: WeightTensors, ids: Int32Array, positions: Int32Array): tf.Tensor2D {
  return tf.add(tf.gather(w['wte'], tf.tensor1d(ids, 'int32')), tf.gather(w['wpe'], tf.tensor1d(positions, 'int32'))) as tf.Tensor2D;
}

/**
 * Prompts up to this length attend on the host (cheap for short prompts); longer ones use the
 * per-(sequence, head) 2-D matmuls of `attentionForward` (fast for long ones).
 */
const HOST_PREFILL_MAX_LEN = 64;

/**
 * Runs left-padded prompts ids [B, T] through the model, returning the logits of the last position
 * [B, V] and a cache with room for `capacity` positions. `pad[b]` is the number of padding
 * positions at the start of row b; positions count from the first real token.
 */
export function prefill(c: ModelConfig, w: WeightTensors, ids: Int32Array, batch: number, len: number, pad: number[], capacity = len) {
  const positions = new Int32Array(batch * len);
  for (let b = 0; b < batch; b++) for (let t = 0; t < len; t++) positions[b * len + t] = Math.max(0, t - pad[b]);
  const cache = createCache(c.layers, batch, c.n_heads, c.d_model, capacity, pad);
  let x = embedAt(w, ids, positions);
  for (let l = 0; l < c.layers; l++) {
    x = block(c, w, l, x, (qkv) => {
      const host = qkv.dataSync() as Float32Array;
      storeKeysValues(cache, l, host, len, 0);
      if (len <= HOST_PREFILL_MAX_LEN) return tf.tensor2d(attendCached(cache, l, host, len, 0), [batch * len, c.d_model]);
      return attentionForward(host, { batch, len, heads: c.n_heads, dModel: c.d_model }, pad);
    });
  }
  cache.length = len;
  const last = tf.reshape(tf.slice(tf.reshape(x, [batch, len, c.d_model]), [0, len - 1, 0], [batch, 1, c.d_model]), [batch, c.d_model]);
  return { logits: head(w, last as tf.Tensor2D), cache };
}

/**
 * One decoding step: the next token of every row, ids [B], at positions [B]; returns logits [B, V].
 * `embeddings` (host copies of wte and wpe) let the token + position rows be summed in JS: one
 * upload instead of two gathers, two index uploads and an add per step.
 */
export function decodeStep(
  c: ModelConfig,
  w: WeightTensors,
  cache: KvCache,
  ids: Int32Array,
  positions: Int32Array,
  embeddings?: { wte: Float32Array; wpe: Float32Array },
): tf.Tensor2D {
  const batch = ids.length;
  const at = cache.length;
  let x: tf.Tensor2D;
  if (embeddings) {
    const D = c.d_model;
    const rows = new Float32Array(batch * D);
    for (let b = 0; b < batch; b++) {
      const t = ids[b] * D;
      const p = positions[b] * D;
      for (let j = 0; j < D; j++) rows[b * D + j] = embeddings.wte[t + j] + embeddings.wpe[p + j];
    }
    x = tf.tensor2d(rows, [batch, D]);
  } else x = embedAt(w, ids, positions);
  for (let l = 0; l < c.layers; l++) {
    x = block(c, w, l, x, (qkv) => {
      const host = qkv.dataSync() as Float32Array;
      storeKeysValues(cache, l, host, 1, at);
      return tf.tensor2d(attendCached(cache, l, host, 1, at), [batch, c.d_model]);
    });
  }
  cache.length = at + 1;
  return head(w, x);
}
