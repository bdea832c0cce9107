import type { Sampler } from '../core/rationale-selection';
import { sample, type LoadedModel } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';

/** core's sampler over the embedded model, with the experiment's near-greedy settings. */
export function embeddedSampler(model: LoadedModel, options: ExperimentOptions, batchSize: number): Sampler {
  return (requests, onProgress) =>
    sample(model, requests, { genLength: options.genLength, temperature: options.temperature, topP: options.topP, batchSize, onProgress });
}
