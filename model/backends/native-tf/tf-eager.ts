import * as tf from '@tensorflow/tfjs-core';

/**
 * TensorFlow ops called straight through tfjs-node's eager binding, for the decode loop and the
 * dense layers' gradients on the native backend only.
 *
 * Why: at small batches a decoding step is a few dozen tiny ops and their cost is dispatch, not
 * arithmetic. Through tfjs's kernel registry an op costs several times what the same TensorFlow
 * op costs called directly (docs/performance.md), and `tf.fused.matMul` on tfjs-node is three ops
 * (matmul, add, activation) inside a tidy. The tensors made here are ordinary tfjs tensors (tracked by `tf.tidy`, read with
 * `dataSync`). Every function requires the active backend to be `tensorflow`.
 */

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface Binding {
  TF_ATTR_BOOL: number;
  TF_ATTR_INT: number;
  TF_ATTR_TYPE: number;
  TF_FLOAT: number;
  TF_INT32: number;
}

interface NodeBackend {
  binding: Binding;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

function backend(): NodeBackend {
  const b = tf.backend() as unknown as Partial<NodeBackend>;
  if (tf.getBackend() !== 'tensorflow' || typeof b.executeSingleOutput !== 'function' || !b.binding) {
    throw new Error(`model/backends/native-tf/tf-eager.ts needs the tensorflow backend, not ${tf.getBackend()}`);
  }
  return b as NodeBackend;
}

const type = (b: NodeBackend, name: string, dtype: 'float32' | 'int32' = 'float32'): OpAttr => ({
  name,
  type: b.binding.TF_ATTR_TYPE,
  value: dtype === 'float32' ? b.binding.TF_FLOAT : b.binding.TF_INT32,
});
const bool = (b: NodeBackend, name: string, value: boolean): OpAttr => ({ name, type: b.binding.TF_ATTR_BOOL, value });
const int = (b: NodeBackend, name: string, value: number): OpAttr => ({ name, type: b.binding.TF_ATTR_INT, value });

/**
 * Small int32 tensors (shapes, axes, permutations) kept for the life of the process: making one is
 * an upload per op, and decoding asks for the same few again every step.
 */
const constants = new Map<string, tf.Tensor>();
function ints(values: number[], scalar = false): tf.Tensor {
  const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
  let t = constants.get(key);
  if (!t || t.isDisposed) {
    t = tf.keep(scalar ? tf.scalar(values[0], 'int32') : tf.tensor1d(values, 'int32'));
    constants.set(key, t);
  }
  return t;
}

/** A float32 scalar kept for the life of the process (epsilons, scales), like `ints`. */
export function scalar(value: number): tf.Tensor {
  const key = `f${value}`;
  let t = constants.get(key);
  if (!t || t.isDisposed) {
    t = tf.keep(tf.scalar(value, 'float32'));
    constants.set(key, t);
  }
  return t;
}

function unary(name: string, x: tf.Tensor): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput(name, [type(b, 'T')], [x]);
}

function binary(name: string, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput(name, [type(b, 'T')], [x, y]);
}

export const add = (x: tf.Tensor, y: tf.Tensor) => binary('AddV2', x, y);
export const relu = (x: tf.Tensor) => unary('Relu', x);
/** Softmax over the last axis. */
export const softmax = (x: tf.Tensor) => unary('Softmax', x);

/**
 * The gradient of Relu given its output y (y > 0 exactly where the input was): one op, where tfjs's
 * own relu gradient (`step`) is six on tfjs-node (isNaN, greater, ones, fill, where, select) and
 * allocates two [N, M] constants per call.
 */
export const reluGrad = (dy: tf.Tensor, y: tf.Tensor) => binary('ReluGrad', dy, y);

/** Column sums of dy [N, C]: the gradient of a bias added over the last axis. */
export function biasAddGrad(dy: tf.Tensor): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('BiasAddGrad', [type(b, 'T')], [dy]);
}

/** x + bias [C] over the last axis. */
export function biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('BiasAdd', [type(b, 'T')], [x, bias]);
}

/** 2-D x [N, K] @ w [K, M] (or transposed). */
export function matMul(x: tf.Tensor, w: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('MatMul', [type(b, 'T'), bool(b, 'transpose_a', transposeA), bool(b, 'transpose_b', transposeB)], [x, w]);
}

/** Batched matmul over leading axes (broadcast), optionally with the last two axes of x or y swapped. */
export function batchMatMul(x: tf.Tensor, y: tf.Tensor, adjX = false, adjY = false): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('BatchMatMulV2', [type(b, 'T'), bool(b, 'adj_x', adjX), bool(b, 'adj_y', adjY)], [x, y]);
}

export function reshape(x: tf.Tensor, shape: number[]): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Reshape', [type(b, 'T', x.dtype as 'float32' | 'int32'), type(b, 'Tshape', 'int32')], [x, ints(shape)]);
}

export function transpose(x: tf.Tensor, perm: number[]): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Transpose', [type(b, 'T'), type(b, 'Tperm', 'int32')], [x, ints(perm)]);
}

export function concat(xs: tf.Tensor[], axis: number): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('ConcatV2', [int(b, 'N', xs.length), type(b, 'T'), type(b, 'Tidx', 'int32')], [...xs, ints([axis], true)]);
}

/** `count` equal parts along `axis`. */
export function split(x: tf.Tensor, count: number, axis: number): tf.Tensor[] {
  const b = backend();
  return b.executeMultipleOutputs('Split', [int(b, 'num_split', count), type(b, 'T')], [ints([axis], true), x], count);
}

export function slice(x: tf.Tensor, begin: number[], size: number[]): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Slice', [type(b, 'T'), type(b, 'Index', 'int32')], [x, ints(begin), ints(size)]);
}

/** The entries of x at `indices` (an int32 tensor) along `axis`. */
export function gather(x: tf.Tensor, indices: tf.Tensor, axis: number): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput(
    'GatherV2',
    [type(b, 'Tparams'), type(b, 'Tindices', 'int32'), type(b, 'Taxis', 'int32'), int(b, 'batch_dims', 0)],
    [x, indices, ints([axis], true)],
  );
}

export const mul = (x: tf.Tensor, y: tf.Tensor) => binary('Mul', x, y);
export const sub = (x: tf.Tensor, y: tf.Tensor) => binary('Sub', x, y);
export const square = (x: tf.Tensor) => unary('Square', x);
export const rsqrt = (x: tf.Tensor) => unary('Rsqrt', x);

/** Mean over `axis`, kept as a size-1 axis. */
export function mean(x: tf.Tensor, axis: number): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Mean', [type(b, 'T'), type(b, 'Tidx', 'int32'), bool(b, 'keep_dims', true)], [x, ints([axis], true)]);
}

/** Sum over `axis`, the axis dropped unless `keepDims`. */
export function sum(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Sum', [type(b, 'T'), type(b, 'Tidx', 'int32'), bool(b, 'keep_dims', keepDims)], [x, ints([axis], true)]);
}

/**
 * Writes the rows `rows` (an int32 tensor) of x [N, ...] with `values` [rows, ...] IN PLACE: the
 * buffer of x (and of every reshape of x, which shares it) changes, and nothing is copied. This is
 * what TensorFlow's InplaceUpdate kernel does (its Python wrapper copies x first; this does not).
 * The caller must own x's buffer: no other tensor may expect its old contents.
 */
export function writeRowsInPlace(x: tf.Tensor, rows: tf.Tensor, values: tf.Tensor): void {
  const b = backend();
  b.executeSingleOutput('InplaceUpdate', [type(b, 'T')], [x, rows, values]).dispose();
}

/** A float32 tensor of zeros in a buffer of its own (safe to write in place). */
export function zeros(shape: number[]): tf.Tensor {
  const b = backend();
  return b.executeSingleOutput('Fill', [type(b, 'T'), type(b, 'index_type', 'int32')], [ints(shape), scalar(0)]);
}
