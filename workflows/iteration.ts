/**
 * One STaR iteration, as the reference's loop body: generate (train split, model i-1) → merge →
 * records → config with grown steps → train from the base model → eval (dev split) → copyN.
 * It decides what runs and where outputs go; the activities do the work.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import type { PreparedExperiment } from '../contracts/activities';
import { hostShardProxies, type HostShardActivities, type StarActivities } from './activity-proxies';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { experimentLayout, iterationLayout, type IterationLayout } from '../contracts/layout';
import type { Phase, PhaseProgress } from '../contracts/messages';
import type { IterationMetrics } from '../contracts/metrics';
import { allOrCancel } from './parallel';
import { trainOnHosts } from './train-on-hosts';
import { GROWTH_RULE_FAILURES } from '../core/step-growth';
import { LOST_CHECKPOINT_FAILURE } from '../contracts/failure-types';

/** What the workflow tells the progress query; the iteration updates it as it goes. */
export interface LiveProgress {
  phase: Phase;
  phaseProgress: PhaseProgress;
  totalSteps?: number;
}

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

export async function runIteration(request: IterationRequest): Promise<IterationOutcome> {
  const { options, prepared, iteration, acts, live } = request;
  const exp = options.experiment;
  const it = iterationLayout(prepared.root, exp, iteration);
  const K = options.shards;
  const seconds: IterationMetrics['seconds'] = {};
  const timed = async <T>(phase: Phase, key: keyof IterationMetrics['seconds'], total: number, work: () => Promise<T>): Promise<T> => {
    live.phase = phase;
    live.phaseProgress = { done: 0, total };
    const started = Date.now();
    try {
      return await work();
    } catch (err) {
      throw stepFailure(exp, iteration, phase, err);
    } finally {
      seconds[key] = (seconds[key] ?? 0) + (Date.now() - started) / 1000;
    }
  };
  const oneDone = () => {
    live.phaseProgress = { ...live.phaseProgress, done: live.phaseProgress.done + 1 };
  };
  const shardBase = { options, datasetDir: prepared.datasetDir, iteration, shards: K };
  const shardActs = shardActivities(options, acts);

  const generated = await timed('generating', 'generate', K, () =>
    allOrCancel(
      Array.from({ length: K }, (_, shard) => async () => {
        const result = await shardActs(shard).generateShard({
          ...shardBase,
          shard,
          checkpointUri: request.generatingCheckpointUri,
          outputUri: it.generateShard(shard, K),
        });
        oneDone();
        return result;
      }),
      pendingShardCap(options),
    ),
  );

  const merged = await timed('merging', 'generate', 1, () =>
    acts.mergeGeneration({
      options,
      iteration,
      shardUris: generated.map((g) => g.outputUri),
      keptTextUri: it.keptText,
      manifestUri: it.done.generate,
    }),
  );

  const records = await timed('records', 'records', 1, () =>
    acts.writeRecords({
      options,
      iteration,
      recordFolder: it.recordFolder,
      recordsPrefix: it.recordsPrefix,
      trainerConfigUri: request.previousConfigUri,
      indexUri: it.index,
      manifestUri: it.done.records,
    }),
  );

  const config = await timed('config', 'config', 1, () =>
    acts.writeIterationConfig({
      options,
      iteration,
      previousConfigUri: request.previousConfigUri,
      configUri: it.config,
      manifestUri: it.done.config,
      examples: records.examples,
      indexUri: records.indexUri,
      modelDir: it.modelDir,
      targetSave: it.nextKeptText,
    }),
  );
  live.totalSteps = config.totalSteps;

  const trainTotal = options.trainer === 'command' ? options.hosts.length : 1;
  const trained = await timed('training', 'train', trainTotal, async () => {
    if (options.trainer === 'command') {
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
          totalSteps: config.totalSteps,
          modelDir: it.modelDir,
          indexUri: records.indexUri,
          trainSet: it.trainSet,
        },
        logUri: (host) => it.hostLog(host),
        onHostDone: oneDone,
      });
    }
    const result = await acts.trainModel({
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
    oneDone();
    return result;
  });

  let evaluation: { accuracy: IterationMetrics['accuracy']; overallAccuracy: number } | undefined;
  if (!options.skipEval) {
    evaluation = await timed('evaluating', 'eval', K, () =>
      evaluateOnDev({ options, datasetDir: prepared.datasetDir, iteration, checkpointUri: trained.checkpointUri, layout: it, acts, onShardDone: oneDone }),
    );
  }

  if (options.copyN > 0) {
    await timed('copying', 'copy', 1, () =>
      acts.copyRecords({ iteration, fromFolder: it.recordFolder, toFolder: it.nextRecordFolder, copyN: options.copyN, manifestUri: it.done.copy }),
    );
  }

  const metrics: IterationMetrics = {
    iteration,
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
    seconds,
  };
  let recorded: IterationMetrics | undefined;
  try {
    recorded = await acts.recordMetrics({ metricsUri: it.metrics, row: metrics, logUri: experimentLayout(prepared.root, exp).resultLog });
  } catch (err) {
    throw stepFailure(exp, iteration, live.phase, err);
  }
  // The row the metrics file keeps: a finished iteration replayed by a continued experiment keeps
  // the seconds its work took. Histories from before recordMetrics returned it use the fresh row.
  const kept = patched('recorded-metrics-row') && recorded ? recorded : metrics;
  return { metrics: kept, configUri: config.configUri };
}

/**
 * Where shard k's generation and eval run. With serveCommandTemplate each host starts the server its
 * shards sample from; shard k runs on host k mod H. Old histories never have that option, so they
 * replay the path they took.
 */
/**
 * How many shard activities of a pass may be pending at once: maxPendingShards when the pass has more
 * shards than that. Runs recorded before the cap started all K at once; the marker (set only when the
 * cap changes anything) keeps them so on replay.
 */
export function pendingShardCap(options: ExperimentOptions): number {
  return options.shards > options.maxPendingShards && patched('bounded-pending-shards') ? options.maxPendingShards : Infinity;
}

export function shardActivities(options: ExperimentOptions, acts: StarActivities): (shard: number) => HostShardActivities {
  return (shard) => (options.serveCommandTemplate ? hostShardProxies(options.hosts[shard % options.hosts.length] as string, options.heartbeatTimeoutSeconds) : acts);
}

export interface DevEvaluation {
  options: ExperimentOptions;
  datasetDir: PreparedExperiment['datasetDir'];
  /** The iteration whose folders receive the shards and summary (0 for the base model). */
  iteration: number;
  checkpointUri: string;
  layout: IterationLayout;
  acts: StarActivities;
  onShardDone: () => void;
}

/** The checkpoint on the dev split: eval shards in parallel (at most maxPendingShards pending), then their merge into the summary. */
export async function evaluateOnDev(request: DevEvaluation): Promise<{ accuracy: IterationMetrics['accuracy']; overallAccuracy: number }> {
  const { options, iteration, layout: it, acts } = request;
  const K = options.shards;
  const shardActs = shardActivities(options, acts);
  const shards = await allOrCancel(
    Array.from({ length: K }, (_, shard) => async () => {
      const result = await shardActs(shard).evalShard({
        options,
        datasetDir: request.datasetDir,
        iteration,
        shards: K,
        shard,
        checkpointUri: request.checkpointUri,
        outputUri: it.evalShard(shard, K),
      });
      request.onShardDone();
      return result;
    }),
    pendingShardCap(options),
  );
  return acts.mergeEval({ iteration, shardUris: shards.map((s) => s.outputUri), summaryUri: it.evalSummary, manifestUri: it.done.eval });
}

/**
 * A failed step fails the run, naming the iteration and step, the cause, and the way back: fix the
 * cause, then `star resume` resets the run to just before this step (completed steps are kept).
 */
export function stepFailure(exp: string, iteration: number, phase: Phase, err: unknown): unknown {
  if (isCancellation(err) || !(err instanceof ActivityFailure)) return err;
  const cause = err.cause instanceof Error ? err.cause.message : String(err);
  // The step count comes from the options (and the examples they keep), and a run's options cannot change.
  const fromOptions = err.cause instanceof ApplicationFailure && GROWTH_RULE_FAILURES.includes(err.cause.type ?? '');
  // A trained checkpoint lost after its step finished: the cause names the redo that cures it, and a resume would fail again.
  const curedByRedo = err.cause instanceof ApplicationFailure && err.cause.type === LOST_CHECKPOINT_FAILURE;
  const advice = fromOptions
    ? `This follows from the experiment's options, which a run keeps (\`star resume ${exp}\` would fail the same way): ` +
      `start a new experiment with the options changed, e.g. \`star run --input <file> --set experiment=<new name> --set ...\`.`
    : curedByRedo
      ? undefined
      : `Fix the cause, then run \`star resume ${exp}\` to continue from this step.`;
  return ApplicationFailure.create({
    nonRetryable: true,
    type: 'StepFailed',
    message: [`iteration ${iteration}, ${phase} (${err.activityType}) failed: ${cause}.`, advice].filter((part) => part !== undefined).join(' '),
    cause: err,
    details: [{ iteration, phase, activityType: err.activityType }],
  });
}
