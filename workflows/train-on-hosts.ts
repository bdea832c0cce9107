/**
 * The `command` trainer: one `trainOnHost` activity per host, each on its host's own task
 * queue, all at once. If one host fails, the others are cancelled and the whole step is retried, since
 * a multi-host trainer cannot continue with a host missing.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import { TRAIN_ON_HOST, type TrainModelResult, type TrainOnHostInput, type TrainOnHostResult } from '../contracts/activities';
import { hostTaskQueue } from '../contracts/task-queues';
import { HOST_TRAINING_LIMITS, hostRetry } from './activity-proxies';
import { checkpointUri } from '../contracts/layout';
import { allOrCancel } from './parallel';

type HostActivities = { [TRAIN_ON_HOST]: (input: TrainOnHostInput) => Promise<TrainOnHostResult> };

export interface HostTrainingRequest {
  hosts: string[];
  heartbeatTimeoutSeconds: number;
  base: Omit<TrainOnHostInput, 'host' | 'hostIndex' | 'hostCount' | 'logUri'>;
  logUri: (host: string) => string;
  onHostDone: () => void;
}

/** Histories from before host training waited for the cancelled hosts replay without the wait. */
const WAIT_FOR_CANCELLED_HOSTS = 'host-training-waits-for-cancelled-hosts';

export async function trainOnHosts(request: HostTrainingRequest): Promise<TrainModelResult> {
  const { hosts } = request;
  // The whole step is retried right after the other hosts are cancelled: wait until their trainers
  // have stopped, so a new attempt never runs beside the old one.
  const cancellationType = patched(WAIT_FOR_CANCELLED_HOSTS)
    ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
    : ActivityCancellationType.TRY_CANCEL;
  let lastError: unknown;
  for (let attempt = 1; attempt <= HOST_TRAINING_LIMITS.wholeStepAttempts; attempt += 1) {
    try {
      const results = await allOrCancel(
        hosts.map((host, hostIndex) => async () => {
          const act = proxyActivities<HostActivities>({
            taskQueue: hostTaskQueue(host),
            startToCloseTimeout: HOST_TRAINING_LIMITS.startToCloseTimeout,
            heartbeatTimeout: `${request.heartbeatTimeoutSeconds}s`,
            retry: hostRetry(),
            cancellationType,
          });
          const result = await act[TRAIN_ON_HOST]({
            ...request.base,
            host,
            hostIndex,
            hostCount: hosts.length,
            logUri: request.logUri(host),
          });
          request.onHostDone();
          return result;
        }),
      );
      const step = Math.max(...results.map((r) => r.step));
      const saved = results.find((r) => r.checkpointUri)?.checkpointUri;
      return { checkpointUri: saved ?? checkpointUri(request.base.modelDir, request.base.totalSteps), step };
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Bad input (a missing config, a broken command template) fails the same way on every attempt.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) throw err;
      lastError = err;
      log.warn('host training failed; retrying the whole step on every host', { attempt, error: String(err) });
    }
  }
  throw lastError;
}
