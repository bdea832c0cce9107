import { CancellationScope } from '@temporalio/workflow';

/**
 * Runs tasks in parallel and waits for all, at most `maxPending` at once (all at once by default);
 * results come back in task order. With a cap, tasks 0..maxPending-1 start together and each one
 * that finishes starts the next in order, so a pass of K shards never has more than maxPending
 * activities pending (Temporal refuses more than 2,000 per run by default, and thousands at once
 * weigh on its history shard). With K <= maxPending the tasks start exactly as without a cap.
 *
 * When one fails, no further task starts, the running ones are cancelled (their workers see it on
 * their next heartbeat) and the first failure is raised once they have settled. Without the scope,
 * sibling shards would keep running for a workflow that has already failed. An activity with the
 * default cancellation type settles as soon as cancellation is requested; one with
 * WAIT_CANCELLATION_COMPLETED settles when its worker has stopped it, so a caller that retries
 * starts again only after the siblings are gone.
 */
export async function allOrCancel<T>(tasks: (() => Promise<T>)[], maxPending = Infinity): Promise<T[]> {
  const scope = new CancellationScope();
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let failed = false;
  // One lane per slot: it runs a task, and when that settles, takes the next one not yet started.
  const lane = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const at = next;
      next += 1;
      try {
        results[at] = await (tasks[at] as () => Promise<T>)();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  let lanes: Promise<void>[] = [];
  try {
    await scope.run(() => {
      lanes = Array.from({ length: Math.min(tasks.length, Math.max(1, maxPending)) }, () => lane());
      return Promise.all(lanes);
    });
    return results;
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(lanes);
    throw err;
  }
}
