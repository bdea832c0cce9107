/**
 * The experiment worker's settings from the environment (workers/main.ts as a process), checked
 * before it connects, so a typo fails at once with the variable, its value and what to set.
 */
import { BadInputError } from '../core/errors';

export interface WorkerEnvSettings {
  taskQueue?: string;
  workflowBundlePath?: string;
  /** STAR_MAX_CONCURRENT_ACTIVITIES: activities this worker runs at once. */
  maxConcurrentActivityTaskExecutions?: number;
  /** STAR_CHUNK_SIZE: examples per saved chunk of a generation or eval shard (the resume granularity). */
  chunkSize?: number;
}

export class WorkerEnvError extends BadInputError {
  override readonly name = 'WorkerEnvError';
}

const MEANING: Record<string, string> = {
  STAR_MAX_CONCURRENT_ACTIVITIES: 'the activities one worker runs at once (default 4; 1 lets each shard go to its own worker)',
  STAR_CHUNK_SIZE: 'the examples per saved chunk of a generation or eval shard (default 64)',
};

/** A positive integer variable; unset or empty means the default. Decimal digits only: "1e3", "0x10", "4.0" are refused. */
export function positiveIntFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new WorkerEnvError(
      `${name}=${JSON.stringify(raw)} is not a positive integer: set it to ${MEANING[name] ?? 'a whole number >= 1'}, or unset it for the default`,
    );
  }
  return value;
}

export function workerSettingsFromEnv(env: NodeJS.ProcessEnv): WorkerEnvSettings {
  return {
    taskQueue: env.STAR_TASK_QUEUE || undefined,
    workflowBundlePath: env.STAR_WORKFLOW_BUNDLE || undefined,
    maxConcurrentActivityTaskExecutions: positiveIntFromEnv(env, 'STAR_MAX_CONCURRENT_ACTIVITIES'),
    chunkSize: positiveIntFromEnv(env, 'STAR_CHUNK_SIZE'),
  };
}
