/**
 * Seeded randomness for the STaR rules.
 *
 * Two kinds, both documented so a run can be reproduced outside this code base:
 * - Keyed draws (`keyedUnit`, `keyedSeed`): a pure function of `(seed, purpose, key)`, hashed with
 *   FNV-1a (32-bit, over the UTF-8 bytes of `${seed}\u0000${purpose}\u0000${key}`) and finished with
 *   MurmurHash3's fmix32. Generation keys every choice by the example id, never by batch or shard
 *   position, so the kept set is the same for any shard count and after any retry.
 * - Streams (`mulberry32`): the Mulberry32 generator (32-bit state, period 2^32), for shuffles that
 *   walk a whole list (record chunks, the train-sample selection). Fisher–Yates from the last index
 *   down, drawing `floor(u * (i + 1))`.
 * Python's Mersenne Twister (the reference's `random`) is not reproduced: the reference never seeds
 * its generation pass, and its record shuffle is only meaningful up to "some fixed permutation".
 */

const encoder = new TextEncoder();

function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit unsigned hash of `(seed, purpose, key)`. */
export function keyedHash(seed: number, purpose: string, key: string): number {
  return fmix32(fnv1a32(encoder.encode(`${seed}\u0000${purpose}\u0000${key}`)));
}

/** A uniform draw in [0, 1) that depends only on `(seed, purpose, key)`. */
export function keyedUnit(seed: number, purpose: string, key: string): number {
  return keyedHash(seed, purpose, key) / 2 ** 32;
}

/** A sampling seed in [0, 2^31) that depends only on `(seed, purpose, key)`. */
export function keyedSeed(seed: number, purpose: string, key: string): number {
  return keyedHash(seed, purpose, key) >>> 1;
}

/** Mulberry32: returns a function giving uniform draws in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Shuffles `items` in place (Fisher–Yates) with draws from `next`, and returns it. */
export function shuffleInPlace<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** A shuffled copy of `items` for a given integer seed. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleInPlace([...items], mulberry32(seed));
}
