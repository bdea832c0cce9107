/**
 * The `command` trainer: one `trainOnHost` activity per host, each on its host's own task
 * queue, all at once. If one host fails, the others are cancelled and the whole step is retried, since
 * a multi-host trainer cannot continue with a host missing.
 *
 * A command that names `{master_addr}`/`{master_port}` is one torch.distributed job over the hosts:
 * before each attempt host 0 picks the rendezvous (`pickRendezvous`: its address and a free port;
 * or the experiment option `rendezvous` is used), every host gets the same one, and a host's failure
 * is not retried on that host alone (a new process cannot join a running job): it ends the attempt on
 * every host, and the next attempt meets at a new port. Commands without those placeholders schedule
 * exactly what they did before, so their histories replay unchanged.
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
import {
  PICK_RENDEZVOUS,
  TRAIN_ON_HOST,
  type PickRendezvousInput,
  type Rendezvous,
  type TrainModelResult,
  type TrainOnHostInput,
  type TrainOnHostResult,
} from '../contracts/activities';
import { usesRendezvous } from '../contracts/command-templates';
import { hostTaskQueue } from '../contracts/task-queues';
import { HOST_TRAINING_LIMITS, hostRetry } from './activity-proxies';
import { checkpointUri } from '../contracts/layout';
import { allOrCancel } from './parallel';

type HostActivities = {
  [TRAIN_ON_HOST]: (input: TrainOnHostInput) => Promise<TrainOnHostResult>;
  [PICK_RENDEZVOUS]: (input: PickRendezvousInput) => Promise<Rendezvous>;
};

export interface HostTrainingRequest {
  hosts: string[];
  heartbeatTimeoutSeconds: number;
  base: Omit<TrainOnHostInput, 'host' | 'hostIndex' | 'hostCount' | 'logUri' | 'rendezvous'>;
  /** The experiment option `rendezvous`: the endpoint the user fixed; absent, host 0 picks one per attempt. */
  rendezvous?: { addr: string; port: number };
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
  const oneJob = usesRendezvous(request.base.commandTemplate);
  let lastError: unknown;
  for (let attempt = 1; attempt <= HOST_TRAINING_LIMITS.wholeStepAttempts; attempt += 1) {
    try {
      const rendezvous = oneJob ? await meetingPoint(request) : undefined;
      const results = await allOrCancel(
        hosts.map((host, hostIndex) => async () => {
          const act = proxyActivities<HostActivities>({
            taskQueue: hostTaskQueue(host),
            startToCloseTimeout: HOST_TRAINING_LIMITS.startToCloseTimeout,
            heartbeatTimeout: `${request.heartbeatTimeoutSeconds}s`,
            retry: oneJob ? { ...hostRetry(), maximumAttempts: 1 } : hostRetry(),
            cancellationType,
          });
          const result = await act[TRAIN_ON_HOST]({
            ...request.base,
            host,
            hostIndex,
            hostCount: hosts.length,
            logUri: request.logUri(host),
            ...(rendezvous ? { rendezvous } : {}),
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

/** Where this attempt's job meets: the user's endpoint, or the address and free port host 0 gives. */
async function meetingPoint(request: HostTrainingRequest): Promise<Rendezvous> {
  if (request.rendezvous) return { ...request.rendezvous, chosenBy: 'input' };
  const host = request.hosts[0] as string;
  const act = proxyActivities<HostActivities>({
    taskQueue: hostTaskQueue(host),
    startToCloseTimeout: HOST_TRAINING_LIMITS.rendezvousTimeout,
    retry: hostRetry(),
  });
  return act[PICK_RENDEZVOUS]({ host });
}
