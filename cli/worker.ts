import type { Worker } from '@temporalio/worker';
import { createWorker, DEFAULT_MAX_ACTIVITIES } from '../workers/main';
import { workerSettingsFromEnv } from '../workers/worker-env';
import { noPositionals, parseCommandArgs } from './args';
import { connectWorker, type TemporalTarget } from '../connection/temporal';
import { describeWhere, EXPERIMENT_TASK_QUEUE, resolveTarget } from './experiment-client';

const USAGE = 'star worker [--task-queue NAME] [--bundle FILE]';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped and its connection is closed. */
  done: Promise<void>;
  /** Activities it runs at once (STAR_MAX_CONCURRENT_ACTIVITIES or the default). */
  activitySlots: number;
}

/** Creates a worker for `target` and starts polling; `worker.shutdown()` ends it (activities in flight are cancelled and retried later). */
export async function startWorker(target: TemporalTarget, taskQueue: string, workflowBundlePath?: string): Promise<RunningWorker> {
  // STAR_MAX_CONCURRENT_ACTIVITIES and STAR_CHUNK_SIZE apply to every worker, this one included;
  // checked before connecting so a typo fails at once.
  const settings = workerSettingsFromEnv(process.env);
  const connection = await connectWorker(target);
  let worker: Worker;
  try {
    worker = await createWorker({
      connection,
      namespace: target.namespace,
      taskQueue,
      workflowBundlePath,
      maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
      activityDeps: settings.chunkSize ? { chunkSize: settings.chunkSize } : undefined,
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(() => connection.close());
  return { worker, done, activitySlots: settings.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_ACTIVITIES };
}

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { 'task-queue': { type: 'string' }, bundle: { type: 'string' } }, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nRuns starExperiment and its activities on the task queue (default ${EXPERIMENT_TASK_QUEUE}) until Ctrl-C.\n` +
        'Connects to TEMPORAL_ADDRESS, or to the local dev server of `star server start`. --bundle (or STAR_WORKFLOW_BUNDLE)\n' +
        'loads a workflow bundle prebuilt with `npx tsx workers/build-bundle.ts`.',
    );
    return 0;
  }
  noPositionals(positionals, USAGE);
  const target = resolveTarget();
  const taskQueue = values['task-queue'] ?? EXPERIMENT_TASK_QUEUE;
  const { worker, done, activitySlots } = await startWorker(target, taskQueue, values.bundle ?? (process.env.STAR_WORKFLOW_BUNDLE || undefined));
  console.error(
    `star worker on ${describeWhere(target)}, task queue ${taskQueue}, ${activitySlots} activities at once. Ctrl-C stops it; experiments wait for the next worker.`,
  );
  const stop = () => {
    console.error('stopping the worker...');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await done;
  return 0;
}
