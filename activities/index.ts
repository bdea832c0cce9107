/**
 * The experiment's activities, one file each, bound to what one worker process shares (the model
 * cache). The workflow proxies `ReturnType<typeof createActivities>`.
 */
import { copyRecords } from './copy-records';
import { activityDeps, type ActivityDeps } from './deps';
import { evalShard } from './eval-shard';
import { generateShard } from './generate-shard';
import { mergeEval } from './merge-eval';
import { mergeGeneration } from './merge-generation';
import { prepareExperiment } from './prepare-experiment';
import { recordMetrics } from './record-metrics';
import { syncTracking } from './sync-tracking';
import { trainModel } from './train-model';
import type {
  CopyRecordsInput,
  MergeEvalInput,
  MergeGenerationInput,
  PrepareExperimentInput,
  RecordMetricsInput,
  ShardInput,
  SyncTrackingInput,
  TrainModelInput,
  WriteConfigInput,
  WriteRecordsInput,
} from '../contracts/activities';
import { writeIterationConfig } from './write-iteration-config';
import { writeRecords } from './write-records';

export { ModelCache } from './model-cache';
export type { ActivityDeps } from './deps';
export * from '../contracts/activities';

export function createActivities(overrides: Partial<ActivityDeps> = {}) {
  const deps = activityDeps(overrides);
  return {
    prepareExperiment: (input: PrepareExperimentInput) => prepareExperiment(deps, input),
    generateShard: (input: ShardInput) => generateShard(deps, input),
    mergeGeneration: (input: MergeGenerationInput) => mergeGeneration(deps, input),
    writeRecords: (input: WriteRecordsInput) => writeRecords(deps, input),
    writeIterationConfig: (input: WriteConfigInput) => writeIterationConfig(deps, input),
    trainModel: (input: TrainModelInput) => trainModel(deps, input),
    evalShard: (input: ShardInput) => evalShard(deps, input),
    mergeEval: (input: MergeEvalInput) => mergeEval(deps, input),
    copyRecords: (input: CopyRecordsInput) => copyRecords(deps, input),
    recordMetrics: (input: RecordMetricsInput) => recordMetrics(deps, input),
    syncTracking: (input: SyncTrackingInput) => syncTracking(input),
  };
}
