import { simdKernels, type SimdKernels } from './backends/wasm/simd-kernels';

/**
 * The key/value cache of a batch being decoded, kept on the host, and attention computed from it
 * in plain JavaScript.
 *
 * Why on the host: a decoding step attends one query per row. In tfjs that is a batched matmul
 * (slow on WebAssembly) plus a concat that copies the whole cache every step; here a step writes
 * one position in place and reads each row's keys once, which is much faster at the batch sizes
 * sampling uses (docs/performance.md). Layout per layer: [B, H, capacity, dh].
 */
export interface KvCache {
  batch: number;
  heads: number;
  headDim: number;
  capacity: number;
  /** Left-padding positions at the start of each row (never attended to). */
  pad: number[];
  keys: Float32Array[];
  values: Float32Array[];
  /** Positions filled so far (the same for every row). */
  length: number;
  /** Present when the cache lives in WebAssembly memory and attention runs in SIMD kernels. */
  simd?: { kernels: SimdKernels; heap: Float32Array; qPtr: number; scoresPtr: number; outPtr: number };
}

/**
 * An empty cache; with `simd` (the default) in the SIMD kernels' memory where WebAssembly SIMD is
 * available and the head width is a multiple of 4, else in plain arrays (tests compare the two).
 */
export function createCache(
  layers: number,
  batch: number,
  heads: number,
  dModel: number,
  capacity: number,
  pad: number[],
  simd = true,
): KvCache {
  const headDim = dModel / heads;
  const size = batch * heads * capacity * headDim;
  const shape = { batch, heads, headDim, capacity, pad, length: 0 };
  if (simd && headDim % 4 === 0) {
    // Keys, values and scratch live in the SIMD kernels' memory so they read the cache in place.
    const scratch = 2 * headDim + capacity;
    const kernels = simdKernels(4 * (2 * layers * size + scratch));
    if (kernels) {
      const at = (i: number) => new Float32Array(kernels.memory.buffer, 4 * i * size, size);
      const base = 4 * 2 * layers * size;
      return {
        ...shape,
        keys: Array.from({ length: layers }, (_, l) => at(2 * l)),
        values: Array.from({ length: layers }, (_, l) => at(2 * l + 1)),
        simd: {
          kernels,
          heap: new Float32Array(kernels.memory.buffer),
          qPtr: base,
          scoresPtr: base + 4 * headDim,
          outPtr: base + 4 * (headDim + capacity),
        },
      };
    }
  }
  return {
    ...shape,
    keys: Array.from({ length: layers }, () => new Float32Array(size)),
    values: Array.from({ length: layers }, () => new Float32Array(size)),
  };
}

/**
 * Stores the keys and values of `n` new positions (starting at `from`) of layer `l`; `qkv` is the
 * layer's projection for those positions, rows ordered [B, n], columns q | k | v with heads inside.
 */
export function storeKeysValues(cache: KvCache, l: number, qkv: Float32Array, n: number, from: number): void {
  const { batch: B, heads: H, headDim: dh, capacity } = cache;
  if (from + n > capacity) throw new Error(`key/value cache overflow: ${from + n} positions, capacity ${capacity}`);
  const D = H * dh;
  const K = cache.keys[l];
  const V = cache.values[l];
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      const row = (b * n + i) * 3 * D;
      for (let h = 0; h < H; h++) {
        const dst = ((b * H + h) * capacity + from + i) * dh;
        const src = row + h * dh;
        for (let j = 0; j < dh; j++) {
          K[dst + j] = qkv[src + D + j];
          V[dst + j] = qkv[src + 2 * D + j];
        }
      }
    }
  }
}

/**
 * Causal attention of the `n` queries at positions from..from+n-1 (rows ordered [B, n]) over the
 * cached keys of layer `l` (already stored for those positions). Returns [B*n, D]; queries at
 * padding positions get zeros (nothing reads them).
 */
export function attendCached(cache: KvCache, l: number, qkv: Float32Array, n: number, from: number): Float32Array {
  if (cache.simd) return attendSimd(cache, l, qkv, n, from);
  const { batch: B, heads: H, headDim: dh, capacity } = cache;
  const D = H * dh;
  const K = cache.keys[l];
  const V = cache.values[l];
  const scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * n * D);
  const scores = new Float64Array(from + n);
  // The hot loop of sampling. Columns go in blocks of 8 held in local variables (V8 keeps them in
  // registers, faster than indexing scratch arrays); a head width that is not a multiple of 8 takes
  // the plain loop.
  const blocked = dh % 8 === 0;
  for (let b = 0; b < B; b++) {
    const first = cache.pad[b];
    for (let h = 0; h < H; h++) {
      const base = (b * H + h) * capacity;
      for (let i = 0; i < n; i++) {
        const pos = from + i;
        if (pos < first) continue;
        const qo = (b * n + i) * 3 * D + h * dh;
        scores.fill(0, first, pos + 1);
        if (blocked) {
          for (let jb = 0; jb < dh; jb += 8) {
            const q0 = qkv[qo + jb] * scale;
            const q1 = qkv[qo + jb + 1] * scale;
            const q2 = qkv[qo + jb + 2] * scale;
            const q3 = qkv[qo + jb + 3] * scale;
            const q4 = qkv[qo + jb + 4] * scale;
            const q5 = qkv[qo + jb + 5] * scale;
            const q6 = qkv[qo + jb + 6] * scale;
            const q7 = qkv[qo + jb + 7] * scale;
            for (let s = first; s <= pos; s++) {
              const k = (base + s) * dh + jb;
              scores[s] +=
                q0 * K[k] +
                q1 * K[k + 1] +
                (q2 * K[k + 2] + q3 * K[k + 3]) +
                (q4 * K[k + 4] + q5 * K[k + 5] + (q6 * K[k + 6] + q7 * K[k + 7]));
            }
          }
        } else {
          for (let s = first; s <= pos; s++) {
            const k = (base + s) * dh;
            let dot = 0;
            for (let j = 0; j < dh; j++) dot += qkv[qo + j] * scale * K[k + j];
            scores[s] = dot;
          }
        }
        let max = -Infinity;
        for (let s = first; s <= pos; s++) if (scores[s] > max) max = scores[s];
        let sum = 0;
        for (let s = first; s <= pos; s++) {
          const p = Math.exp(scores[s] - max);
          scores[s] = p;
          sum += p;
        }
        const o = (b * n + i) * D + h * dh;
        if (blocked) {
          for (let jb = 0; jb < dh; jb += 8) {
            let a0 = 0;
            let a1 = 0;
            let a2 = 0;
            let a3 = 0;
            let a4 = 0;
            let a5 = 0;
            let a6 = 0;
            let a7 = 0;
            for (let s = first; s <= pos; s++) {
              const p = scores[s];
              const v = (base + s) * dh + jb;
              a0 += p * V[v];
              a1 += p * V[v + 1];
              a2 += p * V[v + 2];
              a3 += p * V[v + 3];
              a4 += p * V[v + 4];
              a5 += p * V[v + 5];
              a6 += p * V[v + 6];
              a7 += p * V[v + 7];
            }
            out[o + jb] = a0 / sum;
            out[o + jb + 1] = a1 / sum;
            out[o + jb + 2] = a2 / sum;
            out[o + jb + 3] = a3 / sum;
            out[o + jb + 4] = a4 / sum;
            out[o + jb + 5] = a5 / sum;
            out[o + jb + 6] = a6 / sum;
            out[o + jb + 7] = a7 / sum;
          }
        } else {
          for (let j = 0; j < dh; j++) {
            let a = 0;
            for (let s = first; s <= pos; s++) a += scores[s] * V[(base + s) * dh + j];
            out[o + j] = a / sum;
          }
        }
      }
    }
  }
  return out;
}

/** `attendCached` with the dot products and weighted sums in WebAssembly SIMD (softmax in JS). */
function attendSimd(cache: KvCache, l: number, qkv: Float32Array, n: number, from: number): Float32Array {
  const { batch: B, heads: H, headDim: dh, capacity } = cache;
  const { kernels, heap, qPtr, scoresPtr, outPtr } = cache.simd!;
  const D = H * dh;
  const kBase = cache.keys[l].byteOffset;
  const vBase = cache.values[l].byteOffset;
  const q = qPtr >> 2;
  const sc = scoresPtr >> 2;
  const o = outPtr >> 2;
  const scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * n * D);
  for (let b = 0; b < B; b++) {
    const first = cache.pad[b];
    for (let h = 0; h < H; h++) {
      const rowStart = ((b * H + h) * capacity + first) * dh * 4;
      for (let i = 0; i < n; i++) {
        const pos = from + i;
        if (pos < first) continue;
        const count = pos - first + 1;
        const qo = (b * n + i) * 3 * D + h * dh;
        for (let j = 0; j < dh; j++) heap[q + j] = qkv[qo + j] * scale;
        kernels.scores(qPtr, kBase + rowStart, count, dh, scoresPtr);
        let max = -Infinity;
        for (let s = 0; s < count; s++) if (heap[sc + s] > max) max = heap[sc + s];
        let sum = 0;
        for (let s = 0; s < count; s++) {
          const p = Math.fround(Math.exp(heap[sc + s] - max));
          heap[sc + s] = p;
          sum += p;
        }
        kernels.weighted(scoresPtr, vBase + rowStart, count, dh, outPtr);
        const dst = (b * n + i) * D + h * dh;
        for (let j = 0; j < dh; j++) out[dst + j] = heap[o + j] / sum;
      }
    }
  }
  return out;
}

/** A cache holding only the given rows (in that order): finished rows stop costing work. */
export function selectRows(cache: KvCache, rows: number[]): KvCache {
  const { heads: H, headDim: dh, capacity } = cache;
  const next = createCache(
    cache.keys.length,
    rows.length,
    H,
    H * dh,
    capacity,
    rows.map((r) => cache.pad[r]),
    cache.simd !== undefined,
  );
  next.length = cache.length;
  const rowSize = H * capacity * dh;
  for (let l = 0; l < cache.keys.length; l++) {
    rows.forEach((r, i) => {
      next.keys[l].set(cache.keys[l].subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
      next.values[l].set(cache.values[l].subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
    });
  }
  return next;
}
