import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '../core/tokenizer';
import { parseModelConfig, type ModelConfig, type ModelConfigInput } from './config';
import { initWeights, weightSpecs, type NamedWeight } from './params';
import { tokenizerByName } from './tokenizers';
import type { WeightTensors } from './transformer';
import { CheckpointError, ModelConfigError } from './errors';

/**
 * A transformer held on the host (Float32Arrays, the source of truth for checkpoints and the
 * optimizer) with its tensors created on the active tfjs backend when first needed.
 */
let nextModelId = 1;

export class EmbeddedModel {
  private tensorCache: WeightTensors | undefined;
  private readonly derivedCache = new Map<string, { value: unknown; dispose: () => void }>();
  private readonly id = nextModelId++;
  private version = 0;

  constructor(
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    private hostWeights: NamedWeight[],
    /** Optimizer steps this model has been trained for (0 for a fresh or base model). */
    public step = 0,
  ) {
    const specs = weightSpecs(config);
    if (specs.length !== hostWeights.length || specs.some((s, i) => s.name !== hostWeights[i].name)) {
      throw new CheckpointError(`weights do not match the config's parameter list (${specs.map((s) => s.name).join(', ')})`);
    }
    if (tokenizer.vocabSize > config.n_vocab) {
      throw new ModelConfigError(
        `tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} ids but n_vocab is ${config.n_vocab}; raise n_vocab`,
      );
    }
  }

  get weights(): readonly NamedWeight[] {
    return this.hostWeights;
  }

  /** Replaces the weights (same names and shapes); tensors are re-created on next use. */
  setWeights(weights: NamedWeight[]): void {
    this.hostWeights = weights;
    this.version += 1;
    this.disposeTensors();
  }

  /** Changes whenever the weights do (worker threads reload on a new key). */
  get versionKey(): string {
    return `${process.pid}:${this.id}:${this.version}`;
  }

  tensors(): WeightTensors {
    if (!this.tensorCache) {
      const out: WeightTensors = {};
      for (const w of this.hostWeights) out[w.name] = tf.keep(tf.tensor(w.data, w.shape, 'float32'));
      this.tensorCache = out;
    }
    return this.tensorCache;
  }

  /**
   * Something computed from the weights (e.g. a rearranged copy for decoding), made on first use
   * and freed with the tensors whenever the weights change or the model is disposed.
   */
  derived<T>(name: string, make: () => T, dispose: (value: T) => void): T {
    const hit = this.derivedCache.get(name);
    if (hit) return hit.value as T;
    const value = make();
    this.derivedCache.set(name, { value, dispose: () => dispose(value) });
    return value;
  }

  dispose(): void {
    this.disposeTensors();
  }

  private disposeTensors(): void {
    if (this.tensorCache) tf.dispose(Object.values(this.tensorCache));
    this.tensorCache = undefined;
    for (const d of this.derivedCache.values()) d.dispose();
    this.derivedCache.clear();
  }
}

export type LoadedModel = EmbeddedModel;

/** A freshly initialised model (seeded, so the same config and seed give the same weights). */
export function createModel(config: ModelConfigInput | ModelConfig, options: { seed?: number } = {}): EmbeddedModel {
  const parsed = parseModelConfig(config);
  return new EmbeddedModel(parsed, tokenizerByName(parsed.tokenizer), initWeights(parsed, options.seed ?? 0));
}
