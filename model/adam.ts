import type { OptimizerState } from './checkpoint';

/**
 * The reference trainer's update (mesh-transformer-jax `device_train.py`, optax): gradients averaged
 * over the step's answer tokens, clipped to global norm 1, Adam (b1 0.9, b2 0.999, eps 1e-8), no
 * weight decay, learning rate warmed up linearly from 0 over `warmupSteps` updates, then constant.
 * Runs on the host in float64 arithmetic over float32 storage, so it is identical on every backend.
 */
export const ADAM = { b1: 0.9, b2: 0.999, eps: 1e-8, clipNorm: 1 };

export function learningRate(lr: number, warmupSteps: number, updatesDone: number): number {
  if (warmupSteps <= 0) return lr;
  return (lr * Math.min(updatesDone, warmupSteps)) / warmupSteps;
}

export function freshAdam(sizes: number[]): OptimizerState {
  return { m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)), updates: 0 };
}

/** Applies one update in place to `weights` and `state`; `grads` are already averaged. Returns the global norm. */
export function adamUpdate(weights: Float32Array[], grads: Float32Array[], state: OptimizerState, lr: number, warmupSteps: number): number {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  const clip = norm > ADAM.clipNorm ? ADAM.clipNorm / norm : 1;
  const rate = learningRate(lr, warmupSteps, state.updates);
  state.updates += 1;
  const c1 = 1 - ADAM.b1 ** state.updates;
  const c2 = 1 - ADAM.b2 ** state.updates;
  for (let p = 0; p < weights.length; p++) {
    const w = weights[p];
    const g = grads[p];
    const m = state.m[p];
    const v = state.v[p];
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] * clip;
      const mi = ADAM.b1 * m[i] + (1 - ADAM.b1) * gi;
      const vi = ADAM.b2 * v[i] + (1 - ADAM.b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (rate * (mi / c1)) / (Math.sqrt(vi / c2) + ADAM.eps);
    }
  }
  return norm;
}
