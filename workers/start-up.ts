/**
 * The one way a worker process starts, for the experiment worker (`star worker`, `star run`,
 * workers/main.ts) and the host worker (`star host`, workers/host.ts) alike: it connects, creates its
 * worker, polls, and closes the connection after the worker has stopped; as a command it stops on
 * Ctrl-C or SIGTERM. The two differ only in the worker they create and what they clean up.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import { connectWorker, type TemporalTarget } from '../connection/temporal';

export interface PollingWorker {
  worker: Worker;
  /** Resolves when the worker has stopped, its clean-up has run and its connection is closed. */
  done: Promise<void>;
}

export interface WorkerStart {
  target: TemporalTarget;
  create(connection: NativeConnection): Promise<Worker>;
  /** After the worker has stopped, before the connection closes (e.g. the host's inference servers). */
  cleanUp?(): Promise<void>;
}

/** Connects and starts polling; `worker.shutdown()` ends it (activities in flight are cancelled and retried later). */
export async function startPolling(start: WorkerStart): Promise<PollingWorker> {
  const connection = await connectWorker(start.target);
  let worker: Worker;
  try {
    worker = await start.create(connection);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(async () => {
    try {
      await start.cleanUp?.();
    } finally {
      await connection.close();
    }
  });
  return { worker, done };
}

/** Waits for a started worker, shutting it down on SIGINT or SIGTERM (`onSignal` says so first). */
export async function runUntilSignalled(running: PollingWorker, onSignal?: () => void): Promise<void> {
  const stop = () => {
    onSignal?.();
    running.worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await running.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
