/**
 * One STaR iteration, as the reference's loop body: generate (train split, model i-1) → merge →
 * records → config with grown steps → train from the base model → eval (dev split) → copyN.
 * It decides what runs and where outputs go; the activities do the work. Each step below is one
 * phase of STaR, in the order the committed histories record.
 */
import { patched } from '@temporalio/workflow';
import type {
  MergeGenerationResult,
  PreparedExperiment,
  TrainModelResult,
  WriteConfigResult,
  WriteRecordsResult,
} from '../contracts/activities';
import type { StarActivities } from './activity-proxies';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { experimentLayout, iterationLayout, type IterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { trainerNamed } from '../trainers';
import { allOrCancel } from './parallel';
import { evaluateOnDev, pendingShardCap, shardActivities } from './dev-evaluation';
import { stepFailure } from './step-failure';
import { stepTimer, type LiveProgress, type StepTimer } from './step-timer';
import { trainOnHosts } from './train-on-hosts';
import { usesNprocPerNode } from '../contracts/command-templates';

export type { LiveProgress } from './step-timer';

export interface IterationRequest {
  options: ExperimentOptions;
  prepared: PreparedExperiment;
  iteration: number;
  /** The model that generates: iteration i-1's (the base model for iteration 1). */
  generatingCheckpointUri: string;
  /** The previous iteration's config (the experiment's base config for iteration 1). */
  previousConfigUri: string;
  acts: StarActivities;
  live: LiveProgress;
}

export interface IterationOutcome {
  metrics: IterationMetrics;
  configUri: string;
}

/** What every step of one iteration reads: the request, the iteration's folders, and the step timer. */
interface IterationRun extends IterationRequest, StepTimer {
  layout: IterationLayout;
}

type DevAccuracy = { accuracy: IterationMetrics['accuracy']; overallAccuracy: number };

export async function runIteration(request: IterationRequest): Promise<IterationOutcome> {
  const run: IterationRun = {
    ...request,
    ...stepTimer(request.options.experiment, request.iteration, request.live),
    layout: iterationLayout(request.prepared.root, request.options.experiment, request.iteration),
  };
  const merged = await generateRationales(run);
  const records = await writeTrainingRecords(run);
  const config = await writeIterationConfig(run, records);
  run.live.totalSteps = config.totalSteps;
  const trained = await trainFromBase(run, records, config);
  const evaluation = run.options.skipEval ? undefined : await evaluateOnDevSplit(run, trained);
  if (run.options.copyN > 0) await copyRecordsForward(run);
  const metrics = await recordIteration(run, iterationMetrics(run, { merged, records, config, trained, evaluation }));
  return { metrics, configUri: config.configUri };
}

/** Generation: every train-split shard sampled by model i-1 (rationalizing the misses), then merged into the kept text. */
async function generateRationales(run: IterationRun): Promise<MergeGenerationResult> {
  const { options, iteration, layout: it, acts } = run;
  const K = options.shards;
  const shardActs = shardActivities(options, acts);
  const generated = await run.timed('generating', 'generate', K, () =>
    allOrCancel(
      Array.from({ length: K }, (_, shard) => async () => {
        const result = await shardActs(shard).generateShard({
          options,
          datasetDir: run.prepared.datasetDir,
          iteration,
          shards: K,
          shard,
          checkpointUri: run.generatingCheckpointUri,
          outputUri: it.generateShard(shard, K),
        });
        run.oneDone();
        return result;
      }),
      pendingShardCap(options),
    ),
  );
  return run.timed('merging', 'generate', 1, () =>
    acts.mergeGeneration({
      options,
      iteration,
      shardUris: generated.map((g) => g.outputUri),
      keptTextUri: it.keptText,
      manifestUri: it.done.generate,
    }),
  );
}

/** Records: the record folder's text tokenized into the training set the trainer reads. */
function writeTrainingRecords(run: IterationRun): Promise<WriteRecordsResult> {
  const { options, iteration, layout: it } = run;
  return run.timed('records', 'records', 1, () =>
    run.acts.writeRecords({
      options,
      iteration,
      recordFolder: it.recordFolder,
      recordsPrefix: it.recordsPrefix,
      trainerConfigUri: run.previousConfigUri,
      indexUri: it.index,
      manifestUri: it.done.records,
    }),
  );
}

/** Config: the previous config with this iteration's fields, its step count grown by the growth rule. */
function writeIterationConfig(run: IterationRun, records: WriteRecordsResult): Promise<WriteConfigResult> {
  const { options, iteration, layout: it } = run;
  return run.timed('config', 'config', 1, () =>
    run.acts.writeIterationConfig({
      options,
      iteration,
      previousConfigUri: run.previousConfigUri,
      configUri: it.config,
      manifestUri: it.done.config,
      examples: records.examples,
      indexUri: records.indexUri,
      modelDir: it.modelDir,
      targetSave: it.nextKeptText,
    }),
  );
}

/** Training: the base model (never model i-1) fine-tuned on the records, where the experiment's trainer runs. */
function trainFromBase(run: IterationRun, records: WriteRecordsResult, config: WriteConfigResult): Promise<TrainModelResult> {
  const { options, iteration, layout: it } = run;
  const onHosts = trainerNamed(options.trainer).runsOn === 'hosts';
  return run.timed('training', 'train', onHosts ? options.hosts.length : 1, async () => {
    if (onHosts) {
      return trainOnHosts({
        hosts: options.hosts,
        heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds,
        base: {
          iteration,
          configUri: config.configUri,
          baseCheckpointUri: options.baseModelLocation,
          commandTemplate: options.commandTemplate,
          // Only an activity argument: histories of runs without it replay unchanged.
          ...(options.convertCommandTemplate ? { convertCommandTemplate: options.convertCommandTemplate } : {}),
          ...(usesNprocPerNode(options.commandTemplate) ? { nprocPerNode: options.nprocPerNode } : {}),
          totalSteps: config.totalSteps,
          modelDir: it.modelDir,
          indexUri: records.indexUri,
          trainSet: it.trainSet,
        },
        ...(options.rendezvous ? { rendezvous: options.rendezvous } : {}),
        logUri: (host) => it.hostLog(host),
        onHostDone: run.oneDone,
      });
    }
    const result = await run.acts.trainModel({
      options,
      iteration,
      configUri: config.configUri,
      indexUri: records.indexUri,
      baseCheckpointUri: options.baseModelLocation,
      modelDir: it.modelDir,
      totalSteps: config.totalSteps,
      records: records.records,
      manifestUri: it.done.train,
      lossUri: it.trainLoss,
    });
    run.oneDone();
    return result;
  });
}

/** Evaluation: the trained checkpoint on the dev split. */
function evaluateOnDevSplit(run: IterationRun, trained: TrainModelResult): Promise<DevAccuracy> {
  const { options, iteration, layout, acts } = run;
  return run.timed('evaluating', 'eval', options.shards, () =>
    evaluateOnDev({
      options,
      datasetDir: run.prepared.datasetDir,
      iteration,
      checkpointUri: trained.checkpointUri,
      layout,
      acts,
      onShardDone: run.oneDone,
    }),
  );
}

/** copyN: this iteration's records copied into the next iteration's record folder. */
async function copyRecordsForward(run: IterationRun): Promise<void> {
  const { options, iteration, layout: it } = run;
  await run.timed('copying', 'copy', 1, () =>
    run.acts.copyRecords({
      iteration,
      fromFolder: it.recordFolder,
      toFolder: it.nextRecordFolder,
      copyN: options.copyN,
      manifestUri: it.done.copy,
    }),
  );
}

interface StepResults {
  merged: MergeGenerationResult;
  records: WriteRecordsResult;
  config: WriteConfigResult;
  trained: TrainModelResult;
  evaluation: DevAccuracy | undefined;
}

function iterationMetrics(run: IterationRun, { merged, records, config, trained, evaluation }: StepResults): IterationMetrics {
  return {
    iteration: run.iteration,
    attempted: merged.counts.attempted,
    kept: merged.counts.kept,
    rationalized: merged.counts.rationalized,
    // A merge recorded before these counts existed ran k = 1: samples were the questions.
    samples: merged.counts.samples ?? merged.counts.attempted,
    correctSamples: merged.counts.correctSamples ?? merged.counts.correct,
    questionsWithCorrect: merged.counts.questionsWithCorrect ?? merged.counts.correct,
    distinctKept: merged.counts.distinctKept ?? merged.counts.kept,
    trainExamples: records.examples,
    totalSteps: config.totalSteps,
    loss: trained.loss,
    checkpointUri: trained.checkpointUri,
    accuracy: evaluation?.accuracy,
    overallAccuracy: evaluation?.overallAccuracy,
    seconds: run.seconds,
  };
}

/** The iteration's row in the metrics file and the result log; returns the row the file keeps. */
async function recordIteration(run: IterationRun, metrics: IterationMetrics): Promise<IterationMetrics> {
  const { options, iteration, layout: it } = run;
  let recorded: IterationMetrics | undefined;
  try {
    recorded = await run.acts.recordMetrics({
      metricsUri: it.metrics,
      row: metrics,
      logUri: experimentLayout(run.prepared.root, options.experiment).resultLog,
    });
  } catch (err) {
    throw stepFailure(options.experiment, iteration, run.live.phase, err);
  }
  // The row the metrics file keeps: a finished iteration replayed by a continued experiment keeps
  // the seconds its work took. Histories from before recordMetrics returned it use the fresh row.
  return patched('recorded-metrics-row') && recorded ? recorded : metrics;
}
