/**
 * The experiment worker: runs `starExperiment` and its activities on one task queue (default `star`).
 * Development and tests load the workflows from source (`workflowsPath`); production loads a bundle
 * prebuilt by `workers/build-bundle.ts` (STAR_WORKFLOW_BUNDLE), so a worker starts in a second and
 * runs exactly the code that was built.
 *
 *   npx tsx workers/main.ts   (env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS / TEMPORAL_API_KEY,
 *                              STAR_TASK_QUEUE, STAR_WORKFLOW_BUNDLE, STAR_MAX_CONCURRENT_ACTIVITIES,
 *                              STAR_CHUNK_SIZE)
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { DEFAULT_TASK_QUEUE } from '../contracts/task-queues';
import { connectWorker, describeTarget, workerTargetFromEnv } from '../connection/temporal';
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
  if (!existsSync(full)) throw new Error(`workflow bundle ${full} does not exist; build it with \`npx tsx workers/build-bundle.ts ${path}\``);
  return full;
}

/** Connection settings from the environment, as the `temporal` CLI reads them (see connection/temporal.ts). */
async function connectFromEnv(): Promise<{ connection: NativeConnection; namespace: string; describe: string }> {
  const target = workerTargetFromEnv();
  return { connection: await connectWorker(target), namespace: target.namespace, describe: describeTarget(target) };
}

export async function main(): Promise<void> {
  // Checked before connecting: a bad value fails at once, naming the variable.
  const settings = workerSettingsFromEnv(process.env);
  const { connection, namespace, describe } = await connectFromEnv();
  const taskQueue = settings.taskQueue ?? DEFAULT_TASK_QUEUE;
  const identity = `${process.pid}@${hostname()}`;
  const worker = await createWorker({
    connection,
    namespace,
    taskQueue,
    workflowBundlePath: settings.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    activityDeps: { chunkSize: settings.chunkSize },
    extra: { identity },
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const running = worker.run();
    // Printed once it polls; tests and benchmarks wait for this line (and read the identity from it).
    console.error(
      `star worker ${identity} on ${describe}, task queue ${taskQueue}, ` +
        `${settings.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_ACTIVITIES} activities at once, chunks of ${settings.chunkSize ?? 'the default size'}`,
    );
    await running;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
