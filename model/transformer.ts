import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { attentionForward } from './backends/wasm/attention';
import { attendCached, createCache, storeKeysValues, type KvCache } from './kv-cache';
import type { Layers } from './model-backend';

export type { KvCache } from './kv-cache';

/** The model's weights as tensors, by the names of `weightSpecs`. */
export type WeightTensors = Record<string, tf.Tensor>;

function block(layers: Layers, w: WeightTensors, l: number, x: tf.Tensor2D, attend: (qkv: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
  const p = `h${l}.`;
  const v1 = (name: string) => w[`${p}${name}`] as tf.Tensor1D;
  const m2 = (name: string) => w[`${p}${name}`] as tf.Tensor2D;
  const qkv = layers.normDense(x, v1('ln1.g'), v1('ln1.b'), m2('attn.wqkv'), v1('attn.bqkv'));
  x = tf.add(x, layers.dense(attend(qkv), m2('attn.wo'), v1('attn.bo')));
  const hidden = layers.normDense(x, v1('ln2.g'), v1('ln2.b'), m2('mlp.w1'), v1('mlp.b1'), true);
  return tf.add(x, layers.dense(hidden, m2('mlp.w2'), v1('mlp.b2')));
}

function head(layers: Layers, w: WeightTensors, x: tf.Tensor2D): tf.Tensor2D {
  return layers.normDense(x, w['lnf.g'] as tf.Tensor1D, w['lnf.b'] as tf.Tensor1D, w['head'] as tf.Tensor2D);
}

/** Training forward pass: ids [B*T] (rows of T) -> logits [B*T, V], in the given formulation. */
export function trainingLogits(layers: Layers, c: ModelConfig, w: WeightTensors, ids: Int32Array, batch: number, len: number): tf.Tensor2D {
  const tokens = layers.embedTokens(ids, w['wte'] as tf.Tensor2D);
  const positions = tf.slice(w['wpe'], [0, 0], [len, c.d_model]);
  let x = tf.reshape(tf.add(tf.reshape(tokens, [batch, len, c.d_model]), positions), [batch * len, c.d_model]) as tf.Tensor2D;
  const shape = { batch, len, heads: c.n_heads, dModel: c.d_model };
  const attend = (qkv: tf.Tensor2D) => layers.attention(qkv, shape);
  for (let l = 0; l < c.layers; l++) x = block(layers, w, l, x, attend);
  return head(layers, w, x);
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
export function prefill(
  layers: Layers,
  c: ModelConfig,
  w: WeightTensors,
  ids: Int32Array,
  batch: number,
  len: number,
  pad: number[],
  capacity = len,
) {
  const positions = new Int32Array(batch * len);
  for (let b = 0; b < batch; b++) for (let t = 0; t < len; t++) positions[b * len + t] = Math.max(0, t - pad[b]);
  const cache = createCache(c.layers, batch, c.n_heads, c.d_model, capacity, pad);
  let x = embedAt(w, ids, positions);
  for (let l = 0; l < c.layers; l++) {
    x = block(layers, w, l, x, (qkv) => {
      const host = qkv.dataSync() as Float32Array;
      storeKeysValues(cache, l, host, len, 0);
      if (len <= HOST_PREFILL_MAX_LEN) return tf.tensor2d(attendCached(cache, l, host, len, 0), [batch * len, c.d_model]);
      return attentionForward(host, { batch, len, heads: c.n_heads, dModel: c.d_model }, pad);
    });
  }
  cache.length = len;
  const last = tf.reshape(tf.slice(tf.reshape(x, [batch, len, c.d_model]), [0, len - 1, 0], [batch, 1, c.d_model]), [batch, c.d_model]);
  return { logits: head(layers, w, last as tf.Tensor2D), cache };
}

/**
 * One decoding step: the next token of every row, ids [B], at positions [B]; returns logits [B, V].
 * `embeddings` (host copies of wte and wpe) let the token + position rows be summed in JS: one
 * upload instead of two gathers, two index uploads and an add per step.
 */
export function decodeStep(
  layers: Layers,
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
    x = block(layers, w, l, x, (qkv) => {
      const host = qkv.dataSync() as Float32Array;
      storeKeysValues(cache, l, host, 1, at);
      return tf.tensor2d(attendCached(cache, l, host, 1, at), [batch, c.d_model]);
    });
  }
  cache.length = at + 1;
  return head(layers, w, x);
}
