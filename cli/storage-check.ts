import { checkStorageReachable } from '../storage/reachable';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { UsageError } from './errors';

/**
 * `star run` and `star start` check the experiment's storage root once before anything starts, so an
 * unreachable bucket or missing credentials fail in seconds with the cause instead of after the first
 * step's retries.
 */
export async function checkStorageRoot(options: ExperimentOptions): Promise<void> {
  try {
    await checkStorageReachable(options.storageRoot);
  } catch (err) {
    throw new UsageError(`storageRoot ${options.storageRoot} cannot be used: ${(err as Error).message}. Nothing was started.`);
  }
}
