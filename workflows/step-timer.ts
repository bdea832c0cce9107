/**
 * The progress and timing of an iteration's steps: each step sets the phase the progress query shows,
 * counts its parts done, adds its seconds to the iteration's metrics, and turns a failed activity into
 * a failure that names the iteration and step (step-failure.ts).
 */
import type { Phase, PhaseProgress } from '../contracts/messages';
import type { IterationMetrics } from '../contracts/metrics';
import { stepFailure } from './step-failure';

/** What the workflow tells the progress query; the iteration updates it as it goes. */
export interface LiveProgress {
  phase: Phase;
  phaseProgress: PhaseProgress;
  totalSteps?: number;
}

export type StepSeconds = IterationMetrics['seconds'];

export interface StepTimer {
  /** Runs one step of `total` parts as `phase`, its seconds added under `key`. */
  timed<T>(phase: Phase, key: keyof StepSeconds, total: number, work: () => Promise<T>): Promise<T>;
  /** One part of the running step is done. */
  oneDone(): void;
  seconds: StepSeconds;
}

export function stepTimer(experiment: string, iteration: number, live: LiveProgress): StepTimer {
  const seconds: StepSeconds = {};
  return {
    seconds,
    async timed(phase, key, total, work) {
      live.phase = phase;
      live.phaseProgress = { done: 0, total };
      const started = Date.now();
      try {
        return await work();
      } catch (err) {
        throw stepFailure(experiment, iteration, phase, err);
      } finally {
        seconds[key] = (seconds[key] ?? 0) + (Date.now() - started) / 1000;
      }
    },
    oneDone() {
      live.phaseProgress = { ...live.phaseProgress, done: live.phaseProgress.done + 1 };
    },
  };
}
