import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attendCached, createCache, selectRows, storeKeysValues } from '../../model/kv-cache';
import { Rng } from '../../model/rng';

/** Softmax attention written the obvious way: query row i of batch row b over keys first..i. */
function reference(qkv: Float32Array, B: number, T: number, H: number, dh: number, pad: number[]): Float32Array {
  const D = H * dh;
  const out = new Float32Array(B * T * D);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = pad[b]; i < T; i++) {
        const at = (t: number, part: number, j: number) => qkv[(b * T + t) * 3 * D + part * D + h * dh + j];
        const scores: number[] = [];
        for (let s = pad[b]; s <= i; s++) {
          let dot = 0;
          for (let j = 0; j < dh; j++) dot += at(i, 0, j) * at(s, 1, j);
          scores.push(dot / Math.sqrt(dh));
        }
        const max = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - max));
        const sum = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < dh; j++) out[(b * T + i) * D + h * dh + j] = e.reduce((a, p, k) => a + p * at(pad[b] + k, 2, j), 0) / sum;
      }
  return out;
}

void describe('host key/value cache attention', () => {
  const cases = [
    { dh: 8, simd: true },
    { dh: 8, simd: false },
    { dh: 6, simd: true }, // not a multiple of 4: always the JavaScript loops
  ];
  for (const { dh, simd } of cases) {
    void it(`matches plain softmax attention with left padding (head width ${dh}, ${simd ? 'SIMD kernels' : 'JavaScript'})`, () => {
      const B = 3;
      const T = 9;
      const H = 2;
      const pad = [0, 2, 5];
      const rng = new Rng(dh);
      const qkv = Float32Array.from({ length: B * T * 3 * H * dh }, () => rng.normal());
      const cache = createCache(1, B, H, H * dh, T, pad, simd);
      storeKeysValues(cache, 0, qkv, T, 0);
      const got = attendCached(cache, 0, qkv, T, 0);
      const want = reference(qkv, B, T, H, dh, pad);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `element ${i}: ${v} vs ${want[i]}`));
      assert.equal(cache.simd !== undefined, simd && dh % 4 === 0);
    });
  }

  void it('keeps the chosen rows when finished ones are dropped', () => {
    const rng = new Rng(3);
    const qkv = Float32Array.from({ length: 3 * 4 * 3 * 8 }, () => rng.normal());
    const cache = createCache(1, 3, 1, 8, 4, [0, 1, 0]);
    storeKeysValues(cache, 0, qkv, 4, 0);
    const kept = selectRows(cache, [2, 1]);
    assert.deepEqual(kept.pad, [0, 1]);
    assert.deepEqual(kept.keys[0].subarray(0, 32), cache.keys[0].subarray(64, 96));
    assert.deepEqual(kept.values[0].subarray(32, 64), cache.values[0].subarray(32, 64));
  });
});
