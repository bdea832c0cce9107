/**
 * `starExperiment`: the STaR outer loop as a durable workflow. Each run of it does one iteration and
 * continues as new with a small state (iteration, URIs, metrics so far), so history stays short however
 * many iterations run. Its workflow ID is the experiment name.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PreparedExperiment } from '../contracts/activities';
import { activityProxies, type StarActivities } from './activity-proxies';
import { MAX_ITERATIONS, parseExperimentInput, type ExperimentInput, type ExperimentOptions } from '../contracts/experiment-input';
import { runIteration, type LiveProgress } from './iteration';
import { stepFailure } from './step-failure';
import { evaluateBase } from './base-eval';
import { progressQuery, setNItersUpdate, stopAfterIterationSignal, type ExperimentProgress } from '../contracts/messages';
import type { IterationMetrics } from '../contracts/metrics';
import { growthLimitProblem, growthSettings } from '../core/step-growth';
import { reachedPlateau } from '../core/early-stop';
import { DRY_RUN_LISTED_ITERATIONS, planExperiment, type ExperimentPlan } from './plan';
import { syncTrackers } from './tracking';

/** What one run hands the next through continue-as-new: small, no data. */
export interface CarriedState {
  /** The iteration the next run performs. */
  iteration: number;
  prepared: PreparedExperiment;
  /** The model of iteration `iteration - 1`, which generates next. */
  checkpointUri: string;
  /** The config of iteration `iteration - 1` (the experiment's base config before iteration 1). */
  previousConfigUri: string;
  metrics: IterationMetrics[];
  /** The base model's dev row (iteration 0), when baseEval ran. */
  base?: IterationMetrics;
}

export type ExperimentResult =
  | { outcome: 'dry-run'; experiment: string; plan: ExperimentPlan }
  | {
      /** `plateau`: earlyStop ended the run (dev accuracy stopped improving). */
      outcome: 'finished' | 'stopped' | 'plateau';
      experiment: string;
      /** Iterations completed (the loop runs 1..nIters-1). */
      iterations: number;
      lastCheckpointUri: string;
      metrics: IterationMetrics[];
      /** The base model's dev row (iteration 0), when baseEval ran. */
      base?: IterationMetrics;
    };

export async function starExperiment(input: ExperimentInput, carried?: CarriedState): Promise<ExperimentResult> {
  const options = validate(input);
  const exp = options.experiment;
  if (options.dryRun) return { outcome: 'dry-run', experiment: exp, plan: planExperiment(options, DRY_RUN_LISTED_ITERATIONS) };

  let nIters = options.nIters;
  let stopRequested = false;
  const iteration = carried?.iteration ?? 1;
  const metrics = carried?.metrics ?? [];
  let base = carried?.base;
  const live: LiveProgress = { phase: 'preparing', phaseProgress: { done: 0, total: 1 } };

  setHandler(progressQuery, (): ExperimentProgress => ({
    experiment: exp,
    iteration,
    nIters,
    phase: live.phase,
    phaseProgress: live.phaseProgress,
    totalSteps: live.totalSteps,
    stopRequested,
    metrics,
    ...(base ? { base } : {}),
  }));
  setHandler(stopAfterIterationSignal, () => {
    stopRequested = true;
  });
  setHandler(
    setNItersUpdate,
    (value) => {
      const previous = nIters;
      nIters = value;
      log.info('nIters changed', { previous, nIters });
      return { previous, nIters };
    },
    {
      validator: (value) => {
        if (!Number.isInteger(value) || value < iteration + 1) {
          throw new Error(
            `nIters ${JSON.stringify(value)} would end the loop before iteration ${iteration}, which is running; ` +
              `the loop runs iterations 1..nIters-1, so the smallest allowed value is ${iteration + 1}`,
          );
        }
        const growth = growthLimitProblem(growthSettings(options), value - 1);
        if (growth) throw new Error(`nIters ${value}: ${growth}`);
        if (value > MAX_ITERATIONS) {
          throw new Error(`nIters ${value}: at most ${MAX_ITERATIONS} iterations; stop the experiment and start another to go further`);
        }
      },
    },
  );

  const acts = activityProxies(options.heartbeatTimeoutSeconds);
  const prepared = carried?.prepared ?? (await prepare(acts, options, iteration));
  // Only inputs with baseEval take this path, and no history from before the option has one.
  if (!carried && options.baseEval) {
    base = await evaluateBase({ options, prepared, acts, live });
    log.info('base model evaluated', { accuracy: base.overallAccuracy });
    await syncTrackers(acts, options, prepared.root);
    if (nIters <= 1) {
      await condition(allHandlersFinished);
      live.phase = 'finished';
      return { outcome: 'finished', experiment: exp, iterations: 0, lastCheckpointUri: options.baseModelLocation, metrics, base };
    }
  }

  const outcome = await runIteration({
    options,
    prepared,
    iteration,
    generatingCheckpointUri: carried?.checkpointUri ?? options.baseModelLocation,
    previousConfigUri: carried?.previousConfigUri ?? prepared.baseConfigUri,
    acts,
    live,
  });
  metrics.push(outcome.metrics);
  await syncTrackers(acts, options, prepared.root);
  log.info('iteration finished', {
    iteration,
    kept: outcome.metrics.kept,
    totalSteps: outcome.metrics.totalSteps,
    accuracy: outcome.metrics.overallAccuracy,
  });

  // Updates that arrived during the iteration must finish before this run hands over.
  await condition(allHandlersFinished);
  const finished = iteration + 1 >= nIters;
  // Only an input with earlyStop takes this path, and no history from before the option has one.
  const plateau =
    !finished &&
    options.earlyStop !== undefined &&
    reachedPlateau(
      metrics.map((m) => m.overallAccuracy),
      options.earlyStop,
    );
  if (finished || stopRequested || plateau) {
    const ended = finished ? 'finished' : plateau ? 'plateau' : 'stopped';
    if (plateau) log.info('dev accuracy plateaued; stopping early', { iteration, earlyStop: options.earlyStop });
    live.phase = ended;
    return {
      outcome: ended,
      experiment: exp,
      iterations: iteration,
      lastCheckpointUri: outcome.metrics.checkpointUri,
      metrics,
      ...(base ? { base } : {}),
    };
  }
  const next: CarriedState = {
    iteration: iteration + 1,
    prepared,
    checkpointUri: outcome.metrics.checkpointUri,
    previousConfigUri: outcome.configUri,
    metrics,
    ...(base ? { base } : {}),
  };
  return continueAsNew<typeof starExperiment>({ ...options, nIters }, next);
}

async function prepare(acts: StarActivities, options: ExperimentOptions, iteration: number): Promise<PreparedExperiment> {
  try {
    return await acts.prepareExperiment({ options });
  } catch (err) {
    throw stepFailure(options.experiment, iteration, 'preparing', err);
  }
}

/** Rejects a bad input before anything runs, listing every problem; the workflow ID must be the experiment. */
function validate(input: ExperimentInput): ExperimentOptions {
  const workflowId = workflowInfo().workflowId;
  const raw: unknown =
    input && typeof input === 'object' && !Array.isArray(input) && !('experiment' in input)
      ? { ...(input as object), experiment: workflowId }
      : input;
  const parsed = parseExperimentInput(raw);
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      nonRetryable: true,
      type: 'InvalidExperimentInput',
      message: `invalid experiment input (${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}):\n${parsed.message}`,
      details: [parsed.problems],
    });
  }
  if (parsed.options.experiment !== workflowId) {
    throw ApplicationFailure.create({
      nonRetryable: true,
      type: 'InvalidExperimentInput',
      message: `the workflow ID must be the experiment name: start it with --workflow-id ${parsed.options.experiment}, or set experiment to "${workflowId}"`,
    });
  }
  return parsed.options;
}
