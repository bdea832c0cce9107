import type { ModelConfig } from './config';
import { Rng } from './rng';

/** One named weight array of the model, stored on the host in row-major order. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'zeros' | 'ones';
  /** Standard deviation for `normal`. */
  std?: number;
}

/**
 * The parameter list of the transformer, in a fixed order (checkpoints, gradients and optimizer
 * state all follow it). GPT-2 style initialisation: N(0, 0.02), residual output projections scaled
 * by 1/sqrt(2 * layers).
 */
export function weightSpecs(c: ModelConfig): WeightSpec[] {
  const d = c.d_model;
  const residualStd = 0.02 / Math.sqrt(2 * c.layers);
  const specs: WeightSpec[] = [
    { name: 'wte', shape: [c.n_vocab, d], init: 'normal', std: 0.02 },
    { name: 'wpe', shape: [c.seq, d], init: 'normal', std: 0.01 },
  ];
  for (let l = 0; l < c.layers; l++) {
    const p = `h${l}.`;
    specs.push(
      { name: `${p}ln1.g`, shape: [d], init: 'ones' },
      { name: `${p}ln1.b`, shape: [d], init: 'zeros' },
      { name: `${p}attn.wqkv`, shape: [d, 3 * d], init: 'normal', std: 0.02 },
      { name: `${p}attn.bqkv`, shape: [3 * d], init: 'zeros' },
      { name: `${p}attn.wo`, shape: [d, d], init: 'normal', std: residualStd },
      { name: `${p}attn.bo`, shape: [d], init: 'zeros' },
      { name: `${p}ln2.g`, shape: [d], init: 'ones' },
      { name: `${p}ln2.b`, shape: [d], init: 'zeros' },
      { name: `${p}mlp.w1`, shape: [d, c.d_ff], init: 'normal', std: 0.02 },
      { name: `${p}mlp.b1`, shape: [c.d_ff], init: 'zeros' },
      { name: `${p}mlp.w2`, shape: [c.d_ff, d], init: 'normal', std: residualStd },
      { name: `${p}mlp.b2`, shape: [d], init: 'zeros' },
    );
  }
  specs.push(
    { name: 'lnf.g', shape: [d], init: 'ones' },
    { name: 'lnf.b', shape: [d], init: 'zeros' },
    { name: 'head', shape: [d, c.n_vocab], init: 'normal', std: 0.02 },
  );
  return specs;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function initWeights(c: ModelConfig, seed: number): NamedWeight[] {
  const rng = new Rng(seed);
  return weightSpecs(c).map((spec) => {
    const data = new Float32Array(sizeOf(spec.shape));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'normal') for (let i = 0; i < data.length; i++) data[i] = rng.normal() * spec.std!;
    return { name: spec.name, shape: spec.shape, data };
  });
}

export function parameterCount(c: ModelConfig): number {
  return weightSpecs(c).reduce((n, s) => n + sizeOf(s.shape), 0);
}
