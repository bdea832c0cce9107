import { CancellationScope } from '@temporalio/workflow';

/**
 * Runs tasks at once and waits for all; when one fails, the others are cancelled (their workers see
 * it on their next heartbeat) and the first failure is raised once they have settled. Without the
 * scope, sibling shards would keep running for a workflow that has already failed. An activity with
 * the default cancellation type settles as soon as cancellation is requested; one with
 * WAIT_CANCELLATION_COMPLETED settles when its worker has stopped it, so a caller that retries
 * starts again only after the siblings are gone.
 */
export async function allOrCancel<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const scope = new CancellationScope();
  let running: Promise<T>[] = [];
  try {
    return await scope.run(() => {
      running = tasks.map((task) => task());
      return Promise.all(running);
    });
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(running);
    throw err;
  }
}
