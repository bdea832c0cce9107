/**
 * The experiment worker: runs `starExperiment` and its activities on one task queue (default `star`).
 * Development and tests load the workflows from source (`workflowsPath`); production loads a bundle
 * prebuilt by `workers/build-bundle.ts` (STAR_WORKFLOW_BUNDLE), so a worker starts in a second and
 * runs exactly the code that was built.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { DEFAULT_TASK_QUEUE } from '../contracts/task-queues';
import { describeTarget, type TemporalTarget } from '../connection/temporal';
import { startPolling, type PollingWorker } from './start-up';
import { workerSettingsFromEnv } from './worker-env';

export const WORKFLOWS_PATH = require.resolve('../workflows');
export const DEFAULT_MAX_ACTIVITIES = 4;

export interface StarWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A bundle from `workers/build-bundle.ts`; without it the workflows are bundled from source. */
  workflowBundlePath?: string;
  /** Bundle code already in memory (tests bundle once and start several workers). */
  workflowBundle?: { code: string };
  /** Shared activity dependencies (the model cache, chunk sizes). */
  activityDeps?: Partial<ActivityDeps>;
  /** Activities run at once; generation shards of one worker share its model and its cores. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Extra worker options (tests: shutdownGraceTime, ...). */
  extra?: Partial<WorkerOptions>;
}

export async function createWorker(options: StarWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : options.workflowBundlePath
      ? { workflowBundle: { codePath: resolveBundle(options.workflowBundlePath) } }
      : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...workflowSource,
    activities: createActivities(options.activityDeps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_ACTIVITIES,
    // The SDK otherwise sends heartbeats at most every 0.8 x heartbeat timeout (about 96 s here), so the
    // progress bars that read heartbeat details would sit still for a minute and more.
    maxHeartbeatThrottleInterval: '5s',
    ...options.extra,
  });
}

function resolveBundle(path: string): string {
  const full = resolve(path);
  if (!existsSync(full))
    throw new Error(`workflow bundle ${full} does not exist; build it with \`npx tsx workers/build-bundle.ts ${path}\``);
  return full;
}

export interface RunningExperimentWorker extends PollingWorker {
  /** Activities it runs at once (STAR_MAX_CONCURRENT_ACTIVITIES or the default). */
  activitySlots: number;
  /** The line printed once it polls; tests and benchmarks wait for it (and read the identity from it). */
  readyLine: string;
}

export interface ExperimentWorkerStart {
  target: TemporalTarget;
  /** Default: STAR_TASK_QUEUE, else `star`. */
  taskQueue?: string;
  /** Default: STAR_WORKFLOW_BUNDLE, else the workflows from source. */
  workflowBundlePath?: string;
}

/**
 * Starts an experiment worker with the settings of the environment (STAR_MAX_CONCURRENT_ACTIVITIES,
 * STAR_CHUNK_SIZE, STAR_TASK_QUEUE, STAR_WORKFLOW_BUNDLE), checked before connecting so a typo fails at once.
 */
export async function startExperimentWorker(
  start: ExperimentWorkerStart,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningExperimentWorker> {
  const settings = workerSettingsFromEnv(env);
  const taskQueue = start.taskQueue ?? settings.taskQueue ?? DEFAULT_TASK_QUEUE;
  const identity = `${process.pid}@${hostname()}`;
  const activitySlots = settings.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_ACTIVITIES;
  const running = await startPolling({
    target: start.target,
    create: (connection) =>
      createWorker({
        connection,
        namespace: start.target.namespace,
        taskQueue,
        workflowBundlePath: start.workflowBundlePath ?? settings.workflowBundlePath,
        maxConcurrentActivityTaskExecutions: activitySlots,
        activityDeps: { chunkSize: settings.chunkSize },
        extra: { identity },
      }),
  });
  const readyLine =
    `star worker ${identity} on ${describeTarget(start.target)}, task queue ${taskQueue}, ` +
    `${activitySlots} activities at once, chunks of ${settings.chunkSize ?? 'the default size'}`;
  return { ...running, activitySlots, readyLine };
}
