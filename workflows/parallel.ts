import { CancellationScope } from '@temporalio/workflow';

/**
 * Runs tasks at once and waits for all; when one fails, the others are cancelled (their workers see
 * it on their next heartbeat) and the first failure is raised. Without the scope, sibling shards would
 * keep running for a workflow that has already failed.
 */
export async function allOrCancel<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const scope = new CancellationScope();
  try {
    return await scope.run(() => Promise.all(tasks.map((task) => task())));
  } catch (err) {
    scope.cancel();
    throw err;
  }
}
