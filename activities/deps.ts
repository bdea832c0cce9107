import type { ServerSource } from '../host/inference-servers';
import { ModelCache } from './model-cache';
import { SelectionCache } from './selection-cache';

/** What activities share within one worker process. */
export interface ActivityDeps {
  models: ModelCache;
  /** Generated example selections, shared by the shards of a pass this worker runs. */
  selections: SelectionCache;
  /** Examples per saved chunk of a generation or eval shard (the resume granularity). */
  chunkSize: number;
  /** Rows the sampler decodes together. */
  sampleBatchSize: number;
  /** The host worker's inference servers (`serveCommandTemplate`); absent on the experiment workers. */
  servers?: ServerSource;
}

export function activityDeps(overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    models: overrides.models ?? new ModelCache(),
    selections: overrides.selections ?? new SelectionCache(),
    chunkSize: overrides.chunkSize ?? 64,
    sampleBatchSize: overrides.sampleBatchSize ?? 64,
    servers: overrides.servers,
  };
}
