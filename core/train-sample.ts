import { keyedHash, keyedSeed } from './prng';
import type { Example } from './example';

/**
 * The reference shuffles the train split and keeps the first `n_train_samples`. Here the order is
 * by a keyed hash of each example id, so the choice depends only on (seed, ids) — not on how the split
 * was read or sharded. Ties (hash collisions) fall back to the id.
 */
export function selectTrainExamples(examples: readonly Example[], nTrainSamples: number, seed: number): Example[] {
  if (!Number.isInteger(nTrainSamples) || nTrainSamples < 0)
    throw new RangeError(`n_train_samples ${nTrainSamples} must be a non-negative integer`);
  const keyed = examples.map((example) => ({ example, key: keyedHash(seed, 'train-sample', example.id) }));
  keyed.sort((a, b) => a.key - b.key || (a.example.id < b.example.id ? -1 : a.example.id > b.example.id ? 1 : 0));
  return keyed.slice(0, nTrainSamples).map((entry) => entry.example);
}

/** A per-iteration seed from an experiment seed, so each iteration samples and selects afresh. */
export function iterationSeed(seed: number, iteration: number): number {
  return keyedSeed(seed, 'iteration', String(iteration));
}
