import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../config';
import type { EmbeddedModel } from '../../embedded-model';
import * as e from './tf-eager';

/**
 * Cached decoding on native TensorFlow: the key/value cache is held as TensorFlow tensors and
 * attention is TensorFlow ops, so a step never copies q/k/v to the host and back (the host cache of
 * model/kv-cache.ts is the WebAssembly design). Each step is few ops, called straight on TensorFlow
 * (tf-eager.ts), because at small batches dispatch, not arithmetic, is the cost:
 * - the weights are rearranged once per model version: layer-norm gains and biases folded into
 *   the next matrix and bias, the attention scale folded into the query columns, and the residual
 *   stream kept at zero mean per row (embedding tables and the two residual branches' output
 *   matrices centred), so a layer norm is x * rsqrt(mean(x^2) + eps) and needs no centring;
 * - the cache is preallocated for the whole batch (prompt + generated length) and a step writes its
 *   key and value rows in place; attention runs over the whole capacity with not-yet-written and
 *   padding positions masked. Appending by concat instead copies the whole cache every step,
 *   a hundred times the cost of the in-place write (docs/performance.md).
 * Results equal the host-cache path within float rounding (test/model/tensor-cache.test.ts).
 */

const NEG = -1e9;
/**
 * Largest cache (B x H x capacity x head width, elements) a decoding step attends to by
 * multiply-and-sum instead of BatchMatMul, unless the backend is constructed with another
 * (`elementwiseAttentionMax`; tests set 0 and Infinity to check both forms).
 */
export const ELEMENTWISE_ATTENTION_MAX = 1 << 16;
const LN_EPS = 1e-5;

interface LayerWeights {
  wqkv: tf.Tensor;
  bqkv: tf.Tensor;
  wo: tf.Tensor;
  bo: tf.Tensor;
  w1: tf.Tensor;
  b1: tf.Tensor;
  w2: tf.Tensor;
  b2: tf.Tensor;
}

export interface DecodeWeights {
  /** Centred embedding tables on the host: a row's embedding is summed here and uploaded once. */
  wte: Float32Array;
  wpe: Float32Array;
  layers: LayerWeights[];
  head: tf.Tensor;
  headBias: tf.Tensor;
}

/** The model's weights rearranged for decoding, made once per weights version and kept with the model. */
export function decodeWeights(model: EmbeddedModel): DecodeWeights {
  return model.derived(
    'tensor-cache',
    () => foldWeights(model),
    (w) => tf.dispose([...w.layers.flatMap((l) => Object.values(l)), w.head, w.headBias]),
  );
}

function foldWeights(model: EmbeddedModel): DecodeWeights {
  const c = model.config;
  const D = c.d_model;
  const get = (name: string) => model.weights.find((w) => w.name === name)!.data;
  const dh = D / c.n_heads;
  const layers: LayerWeights[] = [];
  for (let l = 0; l < c.layers; l++) {
    const p = `h${l}.`;
    const qkv = foldNorm(get(`${p}ln1.g`), get(`${p}ln1.b`), get(`${p}attn.wqkv`), get(`${p}attn.bqkv`), 3 * D);
    const scale = 1 / Math.sqrt(dh);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) qkv.w[i * 3 * D + j] *= scale;
    for (let j = 0; j < D; j++) qkv.b[j] *= scale;
    const wo = centreColumns(get(`${p}attn.wo`), get(`${p}attn.bo`), D);
    const mlp1 = foldNorm(get(`${p}ln2.g`), get(`${p}ln2.b`), get(`${p}mlp.w1`), get(`${p}mlp.b1`), c.d_ff);
    const mlp2 = centreColumns(get(`${p}mlp.w2`), get(`${p}mlp.b2`), D);
    layers.push({
      wqkv: tf.keep(tf.tensor2d(qkv.w, [D, 3 * D])),
      bqkv: tf.keep(tf.tensor1d(qkv.b)),
      wo: tf.keep(tf.tensor2d(wo.w, [D, D])),
      bo: tf.keep(tf.tensor1d(wo.b)),
      w1: tf.keep(tf.tensor2d(mlp1.w, [D, c.d_ff])),
      b1: tf.keep(tf.tensor1d(mlp1.b)),
      w2: tf.keep(tf.tensor2d(mlp2.w, [c.d_ff, D])),
      b2: tf.keep(tf.tensor1d(mlp2.b)),
    });
  }
  const head = foldNorm(get('lnf.g'), get('lnf.b'), get('head'), new Float32Array(c.n_vocab), c.n_vocab);
  return {
    wte: centreRows(get('wte'), D),
    wpe: centreRows(get('wpe'), D),
    layers,
    head: tf.keep(tf.tensor2d(head.w, [D, c.n_vocab])),
    headBias: tf.keep(tf.tensor1d(head.b)),
  };
}

/** (xhat * g + beta) @ w + b = xhat @ (diag(g) w) + (beta @ w + b); w is [D, M]. */
function foldNorm(g: Float32Array, beta: Float32Array, w: Float32Array, b: Float32Array, m: number) {
  const outW = new Float32Array(w.length);
  const outB = new Float64Array(m);
  for (let j = 0; j < m; j++) outB[j] = b[j];
  for (let i = 0; i < g.length; i++) {
    for (let j = 0; j < m; j++) {
      outW[i * m + j] = g[i] * w[i * m + j];
      outB[j] += beta[i] * w[i * m + j];
    }
  }
  return { w: outW, b: Float32Array.from(outB) };
}

/** w [K, M], b [M] with each row of w and b shifted to mean 0: the branch then adds a zero-mean row. */
function centreColumns(w: Float32Array, b: Float32Array, m: number) {
  return { w: centreRows(w, m), b: centreRows(b, m) };
}

function centreRows(a: Float32Array, width: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < a.length; r += width) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += a[r + j];
    const mean = sum / width;
    for (let j = 0; j < width; j++) out[r + j] = a[r + j] - mean;
  }
  return out;
}

/**
 * The cache of a batch: per layer, keys and values [B*H*capacity, dh] (row (b*H + h)*capacity + t),
 * written in place, and [B, H, capacity, dh] views of the same buffers for attention.
 */
export interface TensorCache {
  batch: number;
  heads: number;
  headDim: number;
  capacity: number;
  /** Left-padding positions at the start of each row (never attended to). */
  pad: number[];
  /** Positions filled so far (the same for every row). */
  length: number;
  keys: tf.Tensor[];
  values: tf.Tensor[];
  keyViews: tf.Tensor[];
  valueViews: tf.Tensor[];
}

export function disposeCache(cache: TensorCache): void {
  tf.dispose([...cache.keys, ...cache.values, ...cache.keyViews, ...cache.valueViews]);
}

function cacheOf(buffers: tf.Tensor[], keys: boolean, shape: Omit<TensorCache, 'keys' | 'values' | 'keyViews' | 'valueViews'>) {
  const { batch: B, heads: H, capacity, headDim: dh } = shape;
  const own = buffers.filter((_, i) => i % 2 === (keys ? 0 : 1));
  return {
    flat: own.map((t) => tf.keep(e.reshape(t, [B * H * capacity, dh]))),
    views: own.map((t) => tf.keep(e.reshape(t, [B, H, capacity, dh]))),
  };
}

function makeCache(buffers: tf.Tensor[], shape: Omit<TensorCache, 'keys' | 'values' | 'keyViews' | 'valueViews'>): TensorCache {
  const k = cacheOf(buffers, true, shape);
  const v = cacheOf(buffers, false, shape);
  return { ...shape, keys: k.flat, values: v.flat, keyViews: k.views, valueViews: v.views };
}

function embed(w: DecodeWeights, ids: Int32Array, positions: Int32Array, D: number): tf.Tensor {
  const rows = new Float32Array(ids.length * D);
  for (let r = 0; r < ids.length; r++) {
    const t = ids[r] * D;
    const p = positions[r] * D;
    for (let j = 0; j < D; j++) rows[r * D + j] = w.wte[t + j] + w.wpe[p + j];
  }
  return tf.tensor2d(rows, [ids.length, D]);
}

/** Layer norm of a zero-mean x [N, D] without gain and bias (folded into the next matrix). */
function normalize(x: tf.Tensor): tf.Tensor {
  return e.mul(x, e.rsqrt(e.add(e.mean(e.square(x), -1), e.scalar(LN_EPS))));
}

const affine = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => e.biasAdd(e.matMul(x, w), b);

/** The residual block around attention `attend` (q, k, v [N, D] each -> [N, D]) and the MLP. */
function block(lw: LayerWeights, x: tf.Tensor, attend: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor): tf.Tensor {
  const [q, k, v] = e.split(affine(normalize(x), lw.wqkv, lw.bqkv), 3, 1);
  x = e.add(x, affine(attend(q, k, v), lw.wo, lw.bo));
  return e.add(x, affine(e.relu(affine(normalize(x), lw.w1, lw.b1)), lw.w2, lw.b2));
}

const logitsOf = (w: DecodeWeights, x: tf.Tensor) => affine(normalize(x), w.head, w.headBias);

/**
 * Runs left-padded prompts ids [B, T] (`pad[b]` padding positions at the start of row b) through the
 * model: the logits of the last position [B, V] and a cache with room for `capacity` positions.
 * Call inside `tf.tidy`; the cache's tensors are kept (free them with `disposeCache`).
 */
export function prefillTensors(
  c: ModelConfig,
  w: DecodeWeights,
  ids: Int32Array,
  batch: number,
  len: number,
  pad: number[],
  capacity: number,
) {
  const H = c.n_heads;
  const D = c.d_model;
  const dh = D / H;
  const positions = new Int32Array(batch * len);
  const bias = new Float32Array(batch * len * len);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < len; t++) {
      positions[b * len + t] = Math.max(0, t - pad[b]);
      for (let s = 0; s < len; s++) if (s > t || s < pad[b]) bias[(b * len + t) * len + s] = NEG;
    }
  }
  const shape = { batch, heads: H, headDim: dh, capacity, pad, length: len };
  const buffers = Array.from({ length: 2 * c.layers }, () => e.zeros([batch, H, capacity, dh]));
  const cache = makeCache(buffers, shape);
  const maskBias = tf.tensor4d(bias, [batch, 1, len, len]);
  const rows = new Int32Array(batch * H * len);
  for (let bh = 0; bh < batch * H; bh++) for (let t = 0; t < len; t++) rows[bh * len + t] = bh * capacity + t;
  const written = tf.tensor1d(rows, 'int32');
  const heads = (t: tf.Tensor) => e.transpose(e.reshape(t, [batch, len, H, dh]), [0, 2, 1, 3]); // [B, H, T, dh]
  let x = embed(w, ids, positions, D);
  for (let l = 0; l < c.layers; l++) {
    x = block(w.layers[l], x, (q, k, v) => {
      const [hq, hk, hv] = [heads(q), heads(k), heads(v)];
      e.writeRowsInPlace(cache.keys[l], written, e.reshape(hk, [batch * H * len, dh]));
      e.writeRowsInPlace(cache.values[l], written, e.reshape(hv, [batch * H * len, dh]));
      const probs = e.softmax(e.add(e.batchMatMul(hq, hk, false, true), maskBias));
      return e.reshape(e.transpose(e.batchMatMul(probs, hv), [0, 2, 1, 3]), [batch * len, D]);
    });
  }
  const last = e.reshape(e.slice(e.reshape(x, [batch, len, D]), [0, len - 1, 0], [batch, 1, D]), [batch, D]);
  return { logits: logitsOf(w, last), cache };
}

/**
 * One decoding step: the next token of every row, ids [B], at positions [B] (counted from each
 * row's first real token); returns logits [B, V]. Call inside `tf.tidy`.
 */
export function decodeTensors(
  c: ModelConfig,
  w: DecodeWeights,
  cache: TensorCache,
  ids: Int32Array,
  positions: Int32Array,
  elementwiseMax = ELEMENTWISE_ATTENTION_MAX,
): tf.Tensor {
  const { batch: B, heads: H, headDim: dh, capacity, pad } = cache;
  const at = cache.length;
  if (at >= capacity) throw new Error(`key/value cache overflow: ${at + 1} positions, capacity ${capacity}`);
  const D = c.d_model;
  const bias = new Float32Array(B * capacity);
  for (let b = 0; b < B; b++) {
    bias.fill(NEG, b * capacity, b * capacity + pad[b]);
    bias.fill(NEG, b * capacity + at + 1, (b + 1) * capacity);
  }
  // One query row per (sequence, head): at small sizes attention as multiply-and-sum, because
  // TensorFlow's oneDNN BatchMatMul has a fixed cost per call far above a plain MatMul's, which
  // dominates a small step; at large sizes the matmul wins (docs/performance.md).
  const small = B * H * capacity * dh <= elementwiseMax;
  const maskBias = small ? tf.tensor3d(bias, [B, 1, capacity]) : tf.tensor4d(bias, [B, 1, 1, capacity]);
  const written = tf.tensor1d(
    Int32Array.from({ length: B * H }, (_, bh) => bh * capacity + at),
    'int32',
  );
  let x = embed(w, ids, positions, D);
  for (let l = 0; l < c.layers; l++) {
    x = block(w.layers[l], x, (q, k, v) => {
      e.writeRowsInPlace(cache.keys[l], written, e.reshape(k, [B * H, dh]));
      e.writeRowsInPlace(cache.values[l], written, e.reshape(v, [B * H, dh]));
      if (small) {
        // [B, H, 1, dh] * [B, H, capacity, dh] summed over dh, then probs [B, H, capacity, 1] * values summed over positions.
        const scores = e.sum(e.mul(e.reshape(q, [B, H, 1, dh]), cache.keyViews[l]), 3); // [B, H, capacity]
        const probs = e.softmax(e.add(scores, maskBias)); // mask [B, 1, capacity]
        return e.reshape(e.sum(e.mul(e.reshape(probs, [B, H, capacity, 1]), cache.valueViews[l]), 2), [B, D]);
      }
      const scores = e.batchMatMul(e.reshape(q, [B, H, 1, dh]), cache.keyViews[l], false, true); // [B, H, 1, capacity]
      return e.reshape(e.batchMatMul(e.softmax(e.add(scores, maskBias)), cache.valueViews[l]), [B, D]);
    });
  }
  cache.length = at + 1;
  return logitsOf(w, x);
}

/** A cache holding only the given rows (in that order); the old one is disposed. */
export function selectTensorRows(cache: TensorCache, rows: number[]): TensorCache {
  const { heads: H, headDim: dh, capacity } = cache;
  const next = tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    return [...cache.keyViews, ...cache.valueViews].map((t) => e.gather(t, index, 0));
  });
  const layers = cache.keys.length;
  // Interleave back to key, value per layer, as makeCache reads them.
  const buffers = Array.from({ length: layers }, (_, l) => [next[l], next[layers + l]]).flat();
  const out = makeCache(buffers, {
    batch: rows.length,
    heads: H,
    headDim: dh,
    capacity,
    pad: rows.map((r) => cache.pad[r]),
    length: cache.length,
  });
  tf.dispose(next);
  disposeCache(cache);
  return out;
}
