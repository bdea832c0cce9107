/**
 * Iteration 0: the base model on the dev split, exactly as each iteration's model is evaluated, so
 * the table's first row is what STaR starts from, measured in the run rather than quoted. It writes
 * into iteration 0's folders and `metrics/{exp}_0.json`; finished shards are kept by their manifests
 * like any step's, so a resumed run does not redo them.
 */
import type { PreparedExperiment } from '../contracts/activities';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { experimentLayout, iterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import type { StarActivities } from './activity-proxies';
import { evaluateOnDev } from './dev-evaluation';
import { stepFailure } from './step-failure';
import type { LiveProgress } from './step-timer';

export interface BaseEvalRequest {
  options: ExperimentOptions;
  prepared: PreparedExperiment;
  acts: StarActivities;
  live: LiveProgress;
}

export async function evaluateBase({ options, prepared, acts, live }: BaseEvalRequest): Promise<IterationMetrics> {
  const exp = options.experiment;
  const it = iterationLayout(prepared.root, exp, 0);
  live.phase = 'evaluating-base';
  live.phaseProgress = { done: 0, total: options.shards };
  const started = Date.now();
  try {
    const evaluation = await evaluateOnDev({
      options,
      datasetDir: prepared.datasetDir,
      iteration: 0,
      checkpointUri: options.baseModelLocation,
      layout: it,
      acts,
      onShardDone: () => {
        live.phaseProgress = { ...live.phaseProgress, done: live.phaseProgress.done + 1 };
      },
    });
    const row: IterationMetrics = {
      iteration: 0,
      attempted: 0,
      kept: 0,
      rationalized: 0,
      trainExamples: 0,
      totalSteps: 0,
      checkpointUri: options.baseModelLocation,
      accuracy: evaluation.accuracy,
      overallAccuracy: evaluation.overallAccuracy,
      seconds: { eval: (Date.now() - started) / 1000 },
    };
    return await acts.recordMetrics({ metricsUri: it.metrics, row, logUri: experimentLayout(prepared.root, exp).resultLog });
  } catch (err) {
    throw stepFailure(exp, 0, 'evaluating-base', err);
  }
}
