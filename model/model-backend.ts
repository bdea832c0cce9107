import type * as tf from '@tensorflow/tfjs-core';
import type { EmbeddedModel } from './embedded-model';
import type { GradientSum } from './gradients';
import type { SampleOptions, SampleRequest, SampleResult } from './sample';

/**
 * What a model backend provides: the transformer's differentiable building blocks in one formulation,
 * a decoder for cached sampling, and (WebAssembly only) worker threads. One is chosen at start-up by
 * `initBackend` (`modelBackend()`); code that compares formulations constructs each with
 * `createModelBackend` and passes it in. The designs and why they differ: model/README.md.
 */
export type ModelBackendName = 'native-tf' | 'wasm' | 'plain';

export interface AttentionShape {
  batch: number;
  len: number;
  heads: number;
  dModel: number;
}

/** The transformer's layers in one formulation (same math, different ops and gradients). */
export interface Layers {
  /** x @ w (+ b), then optional ReLU; x [N, K], w [K, M], b [M]. */
  dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, relu?: boolean): tf.Tensor2D;
  /** dense(layerNorm(x, g, beta), w, b, relu): every layer norm of the model feeds a dense layer. */
  normDense(x: tf.Tensor2D, g: tf.Tensor1D, beta: tf.Tensor1D, w: tf.Tensor2D, b?: tf.Tensor1D, relu?: boolean): tf.Tensor2D;
  /** Rows of the token embedding `table` [V, D] for `ids`. */
  embedTokens(ids: Int32Array, table: tf.Tensor2D): tf.Tensor2D;
  /** Causal multi-head attention for training: qkv [B*T, 3D] (all heads' q, then k, then v) -> [B*T, D]. */
  attention(qkv: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D;
  /** Frees what a forward pass kept for a backward pass that did not run. */
  release?(): void;
}

/**
 * A batch's cached decoding: `prefill` the left-padded prompts [B, T] (returns the last position's
 * logits [B, V]), then `step` one token per row (logits [B, V]); `select` keeps only the given rows.
 * `prefill` and `step` run inside `tf.tidy`.
 */
export interface Decoder {
  prefill(ids: Int32Array, batch: number, len: number, pad: number[], capacity: number): tf.Tensor;
  step(ids: Int32Array, positions: Int32Array): tf.Tensor;
  select(rows: number[]): void;
  dispose(): void;
}

/** Work shared over worker threads; results equal one thread's up to the fixed-order sum of parts. */
export interface ComputePool {
  gradientSum(model: EmbeddedModel, rows: Int32Array[]): Promise<GradientSum>;
  sample(model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions): Promise<SampleResult>;
}

export interface ModelBackend {
  readonly name: ModelBackendName;
  readonly layers: Layers;
  /** A decoder for one batch of `model`'s sampling (its cache and attention in this backend's design). */
  decoder(model: EmbeddedModel): Decoder;
  /** Worker threads this backend splits work over (0: it computes on the calling thread). */
  workerCount(): number;
  /** The worker threads, when there is more than one to share work with. */
  pool(): ComputePool | undefined;
}

export interface ModelBackendOptions {
  /**
   * native-tf: where the decoding key/value cache lives: 'tensors' (TensorFlow tensors, the default)
   * or 'host' (the WebAssembly design's host cache, with native layers; for comparisons).
   */
  decodeCache?: 'tensors' | 'host';
  /**
   * native-tf: the largest cache (batch x heads x capacity x head width, elements) a decoding step
   * attends to by multiply-and-sum instead of batched matmuls.
   */
  elementwiseAttentionMax?: number;
  /** wasm: worker threads (default: STAR_MODEL_WORKERS, else the cores, at most 4; 0 or 1 = this thread). */
  workers?: number;
}
