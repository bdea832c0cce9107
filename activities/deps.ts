import { ModelCache } from './model-cache';

/** What activities share within one worker process. */
export interface ActivityDeps {
  models: ModelCache;
  /** Examples per saved chunk of a generation or eval shard (the resume granularity). */
  chunkSize: number;
  /** Rows the sampler decodes together. */
  sampleBatchSize: number;
}

export function activityDeps(overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    models: overrides.models ?? new ModelCache(),
    chunkSize: overrides.chunkSize ?? 64,
    sampleBatchSize: overrides.sampleBatchSize ?? 64,
  };
}
