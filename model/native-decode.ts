import * as tf from '@tensorflow/tfjs-core';
import { causalBias, NEG } from './attention';
import type { ModelConfig } from './config';
import type { EmbeddedModel } from './embedded-model';
import { LN_EPS } from './ops';
import type { NamedWeight } from './params';
import type { WeightTensors } from './transformer';

/**
 * Prefill and cached decoding on native TensorFlow, with the key/value cache held as tensors.
 *
 * Why not the host cache of kv-cache.ts: there every layer reads its projection back to JavaScript
 * (a synchronous round trip per layer and token) and attends in JS. TensorFlow runs whole batched
 * products on both cores, and what costs at small batches is the number of ops per token (each is a
 * call through the binding), so a step here is a short, fixed list of large ops:
 * - layer norms' gain and bias are folded into the following matrix (and q's 1/sqrt(dh) into the q
 *   columns), built once per weight version: a layer norm is then a normalisation only;
 * - all heads attend in two batched matmuls; a step appends its keys and values with one concat each;
 * - left padding is an additive bias row per batch row, grown by one column per step.
 * Results agree with the host path within float rounding (test/model/backends.test.ts).
 */

export interface TensorKvCache {
  /** Per layer, [B, H, t, dh]. */
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** [B, 1, 1, t]: NEG at each row's left padding, else 0. */
  padBias: tf.Tensor4D;
  /** Positions filled (t). */
  length: number;
}

export function disposeCache(cache: TensorKvCache): void {
  tf.dispose([...cache.keys, ...cache.values, cache.padBias]);
}

/** The folded weights sampling uses, built from the host copies in float64. */
function decodeWeights(c: ModelConfig, weights: readonly NamedWeight[]): WeightTensors {
  const byName = new Map(weights.map((w) => [w.name, w.data]));
  const get = (n: string) => byName.get(n)!;
  const out: WeightTensors = {};
  /** (xhat * g + b) @ w + bias  ==  xhat @ (diag(g) w) + (b @ w + bias); `scaleCols` columns scaled too. */
  const fold = (name: string, g: Float32Array, b: Float32Array, w: Float32Array, rows: number, cols: number, bias?: Float32Array, scaleCols = 0, scale = 1) => {
    const wf = new Float32Array(rows * cols);
    const bf = new Float64Array(cols);
    if (bias) for (let j = 0; j < cols; j++) bf[j] = bias[j];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const s = j < scaleCols ? scale : 1;
        wf[i * cols + j] = g[i] * w[i * cols + j] * s;
        bf[j] += b[i] * w[i * cols + j];
      }
    }
    for (let j = 0; j < scaleCols; j++) bf[j] *= scale;
    out[`${name}.w`] = tf.tensor2d(wf, [rows, cols]);
    out[`${name}.b`] = tf.tensor1d(Float32Array.from(bf));
  };
  const d = c.d_model;
  const plain = (name: string, shape: number[]) => (out[name] = tf.tensor(get(name), shape, 'float32'));
  plain('wte', [c.n_vocab, d]);
  plain('wpe', [c.seq, d]);
  for (let l = 0; l < c.layers; l++) {
    const p = `h${l}.`;
    fold(`${p}qkv`, get(`${p}ln1.g`), get(`${p}ln1.b`), get(`${p}attn.wqkv`), d, 3 * d, get(`${p}attn.bqkv`), d, 1 / Math.sqrt(d / c.n_heads));
    plain(`${p}attn.wo`, [d, d]);
    plain(`${p}attn.bo`, [d]);
    fold(`${p}mlp1`, get(`${p}ln2.g`), get(`${p}ln2.b`), get(`${p}mlp.w1`), d, c.d_ff, get(`${p}mlp.b1`));
    plain(`${p}mlp.w2`, [c.d_ff, d]);
    plain(`${p}mlp.b2`, [d]);
  }
  fold('head', get('lnf.g'), get('lnf.b'), get('head'), d, c.n_vocab);
  return out;
}

function normalize(x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))) as tf.Tensor2D;
}

function affine(x: tf.Tensor2D, w: WeightTensors, name: string, relu = false): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: w[`${name}.w`] as tf.Tensor2D, bias: w[`${name}.b`], activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/**
 * One block over `len` new positions of every row: x [B*len, D]; `bias` [B, 1, len, t] masks what
 * each query must not see. Returns the new x and this layer's cache (old keys/values + the new ones).
 */
function block(
  c: ModelConfig,
  w: WeightTensors,
  l: number,
  x: tf.Tensor2D,
  batch: number,
  len: number,
  past: { keys: tf.Tensor4D; values: tf.Tensor4D } | undefined,
  bias: tf.Tensor,
): { x: tf.Tensor2D; keys: tf.Tensor4D; values: tf.Tensor4D } {
  const p = `h${l}.`;
  const H = c.n_heads;
  const dh = c.d_model / H;
  const qkv = affine(normalize(x), w, `${p}qkv`);
  const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [batch, len, 3, H, dh]), [2, 0, 3, 1, 4])) as tf.Tensor4D[];
  const keys = past ? tf.concat([past.keys, k], 2) : k;
  const values = past ? tf.concat([past.values, v], 2) : v;
  const probs = tf.softmax(tf.add(tf.matMul(q, keys, false, true), bias));
  const heads = tf.reshape(tf.transpose(tf.matMul(probs, values), [0, 2, 1, 3]), [batch * len, c.d_model]);
  x = tf.add(x, tf.fused.matMul({ a: heads as tf.Tensor2D, b: w[`${p}attn.wo`] as tf.Tensor2D, bias: w[`${p}attn.bo`] }));
  const hidden = affine(normalize(x), w, `${p}mlp1`, true);
  x = tf.add(x, tf.fused.matMul({ a: hidden, b: w[`${p}mlp.w2`] as tf.Tensor2D, bias: w[`${p}mlp.b2`] }));
  return { x, keys, values };
}

function embed(w: WeightTensors, ids: Int32Array, positions: Int32Array): tf.Tensor2D {
  return tf.add(tf.gather(w['wte'], tf.tensor1d(ids, 'int32')), tf.gather(w['wpe'], tf.tensor1d(positions, 'int32'))) as tf.Tensor2D;
}

/**
 * Left-padded prompts ids [B, T] through the model: the logits of each row's last position [B, V]
 * and the cache. `pad[b]` padding positions start row b; positions count from its first real token.
 * Call inside `tf.tidy`: the cache's tensors are kept, everything else is the tidy's.
 */
export function prefillNative(model: EmbeddedModel, ids: Int32Array, batch: number, len: number, pad: number[]): { logits: tf.Tensor2D; cache: TensorKvCache } {
  const c = model.config;
  const w = model.derived('decode', (weights) => decodeWeights(c, weights));
  const positions = new Int32Array(batch * len);
  for (let b = 0; b < batch; b++) for (let t = 0; t < len; t++) positions[b * len + t] = Math.max(0, t - pad[b]);
  const padRows = new Float32Array(batch * len);
  pad.forEach((n, b) => padRows.fill(NEG, b * len, b * len + n));
  const padBias = tf.tensor4d(padRows, [batch, 1, 1, len]);
  const bias = tf.add(tf.reshape(causalBias(len), [1, 1, len, len]), padBias);
  let x = embed(w, ids, positions);
  const keys: tf.Tensor4D[] = [];
  const values: tf.Tensor4D[] = [];
  for (let l = 0; l < c.layers; l++) {
    const r = block(c, w, l, x, batch, len, undefined, bias);
    x = r.x;
    keys.push(tf.keep(r.keys));
    values.push(tf.keep(r.values));
  }
  const last = tf.reshape(tf.slice(tf.reshape(x, [batch, len, c.d_model]), [0, len - 1, 0], [batch, 1, c.d_model]), [batch, c.d_model]) as tf.Tensor2D;
  return { logits: affine(normalize(last), w, 'head'), cache: { keys, values, padBias: tf.keep(padBias), length: len } };
}

/**
 * One decoding step: the next token of every row (ids [B] at positions [B]) -> logits [B, V] and
 * the cache one position longer. Call inside `tf.tidy`; the caller disposes the old cache after.
 */
export function decodeStepNative(model: EmbeddedModel, cache: TensorKvCache, ids: Int32Array, positions: Int32Array): { logits: tf.Tensor2D; cache: TensorKvCache } {
  const c = model.config;
  const w = model.derived('decode', (weights) => decodeWeights(c, weights));
  const batch = ids.length;
  const padBias = tf.concat([cache.padBias, tf.zeros([batch, 1, 1, 1])], 3) as tf.Tensor4D;
  let x = embed(w, ids, positions);
  const keys: tf.Tensor4D[] = [];
  const values: tf.Tensor4D[] = [];
  for (let l = 0; l < c.layers; l++) {
    const r = block(c, w, l, x, batch, 1, { keys: cache.keys[l], values: cache.values[l] }, padBias);
    x = r.x;
    keys.push(tf.keep(r.keys));
    values.push(tf.keep(r.values));
  }
  return { logits: affine(normalize(x), w, 'head'), cache: { keys, values, padBias: tf.keep(padBias), length: cache.length + 1 } };
}

/** The cache of the given rows only, in that order (finished rows stop costing work); disposes the old one. */
export function selectRowsNative(cache: TensorKvCache, rows: number[]): TensorKvCache {
  const next = tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    const pick = <T extends tf.Tensor>(t: T) => tf.keep(tf.gather(t, index, 0)) as T;
    return { keys: cache.keys.map(pick), values: cache.values.map(pick), padBias: pick(cache.padBias), length: cache.length };
  });
  disposeCache(cache);
  return next;
}
