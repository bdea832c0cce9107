import type { Sampler } from '../core/rationale-selection';
import { sample, type LoadedModel } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';

/** core's sampler over the embedded model, with the experiment's settings (`temperature`: the pass's, generation's by default). */
export function embeddedSampler(
  model: LoadedModel,
  options: ExperimentOptions,
  batchSize: number,
  temperature = options.temperature,
): Sampler {
  return (requests, onProgress) =>
    sample(model, requests, { genLength: options.genLength, temperature, topP: options.topP, batchSize, onProgress });
}
