/**
 * The experiment's messages. The workflow knows the phase, how many shards are done, and the steps
 * target; the finer progress (examples done inside a shard, the training step and loss) lives in the
 * running activities' heartbeat details, which a client reads with `describe()` (see
 * `cli/activity-progress.ts`): activities cannot cheaply reach the workflow, and routing every
 * heartbeat through history would fill it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IterationMetrics } from './metrics';

export type Phase =
  | 'preparing'
  /** The base model on the dev split, before iteration 1 (baseEval). */
  | 'evaluating-base'
  | 'generating'
  | 'merging'
  | 'records'
  | 'config'
  | 'training'
  | 'evaluating'
  | 'copying'
  | 'finished'
  | 'stopped'
  /** Ended early: dev accuracy stopped improving (earlyStop). */
  | 'plateau';

export interface PhaseProgress {
  /** Shards (generation, eval) or hosts (command training) finished in this phase. */
  done: number;
  total: number;
}

export interface ExperimentProgress {
  experiment: string;
  /** The iteration running now (1-based, as the reference's `cur_iter`). */
  iteration: number;
  /** The loop's upper bound: iterations 1..nIters-1 run. */
  nIters: number;
  phase: Phase;
  phaseProgress: PhaseProgress;
  /** total_steps of the iteration's training, once its config is written. */
  totalSteps?: number;
  stopRequested: boolean;
  /** One row per finished iteration. */
  metrics: IterationMetrics[];
  /** The base model's row (iteration 0), once evaluated (baseEval). */
  base?: IterationMetrics;
}

export const progressQuery = defineQuery<ExperimentProgress>('progress');

/** Finish the running iteration cleanly (train, eval, copyN), then complete instead of continuing. */
export const stopAfterIterationSignal = defineSignal<[]>('stopAfterIteration');

export interface SetNItersResult {
  previous: number;
  nIters: number;
}

/**
 * Changes the loop's upper bound. Rejected (by the validator, so nothing lands in history) when it
 * would end the loop before the running iteration: the smallest value is `iteration + 1`.
 */
export const setNItersUpdate = defineUpdate<SetNItersResult, [number]>('setNIters');
