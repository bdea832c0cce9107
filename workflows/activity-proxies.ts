/**
 * The activity proxies with their timeouts and retry policies, in one place. Every proxy has a
 * start-to-close timeout (the longest a healthy attempt may take), a heartbeat timeout (how soon a
 * crashed worker's attempt is retried elsewhere) and a bounded retry policy. Bad input is raised by
 * the activities as non-retryable failures, so retries only ever repeat transient trouble.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { hostTaskQueue } from '../contracts/task-queues';

export type StarActivities = ReturnType<typeof createActivities>;

const retry = (maximumAttempts: number): ActivityOptions['retry'] => ({
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts,
});

/** The start-to-close timeout and attempts of each activity (the heartbeat timeout comes from the input). */
export const ACTIVITY_LIMITS = {
  prepareExperiment: { startToCloseTimeout: '30m', attempts: 5 },
  generateShard: { startToCloseTimeout: '12h', attempts: 5 },
  mergeGeneration: { startToCloseTimeout: '30m', attempts: 5 },
  writeRecords: { startToCloseTimeout: '2h', attempts: 5 },
  writeIterationConfig: { startToCloseTimeout: '5m', attempts: 5 },
  trainModel: { startToCloseTimeout: '48h', attempts: 5 },
  evalShard: { startToCloseTimeout: '12h', attempts: 5 },
  mergeEval: { startToCloseTimeout: '10m', attempts: 5 },
  copyRecords: { startToCloseTimeout: '30m', attempts: 5 },
  recordMetrics: { startToCloseTimeout: '5m', attempts: 5 },
  // Few attempts: a tracker that is down must not hold up STaR (workflows/tracking.ts).
  syncTracking: { startToCloseTimeout: '10m', attempts: 3 },
} as const satisfies Record<keyof StarActivities, { startToCloseTimeout: string; attempts: number }>;

/**
 * Per-host training: each host retries on its own a few times; the workflow then retries the whole step.
 * Host 0 picks a rendezvous (a name and a free port) in well under a minute.
 */
export const HOST_TRAINING_LIMITS = { startToCloseTimeout: '72h', attempts: 3, wholeStepAttempts: 3, rendezvousTimeout: '1m' } as const;

export function activityProxies(heartbeatTimeoutSeconds: number): StarActivities {
  const out: Partial<Record<keyof StarActivities, unknown>> = {};
  for (const [name, limits] of Object.entries(ACTIVITY_LIMITS) as [
    keyof StarActivities,
    (typeof ACTIVITY_LIMITS)[keyof StarActivities],
  ][]) {
    const proxies = proxyActivities<StarActivities>({
      startToCloseTimeout: limits.startToCloseTimeout,
      heartbeatTimeout: `${heartbeatTimeoutSeconds}s`,
      retry: retry(limits.attempts),
    });
    out[name] = proxies[name];
  }
  return out as StarActivities;
}

export function hostRetry(): ActivityOptions['retry'] {
  return retry(HOST_TRAINING_LIMITS.attempts);
}

/** The shard activities a host worker serves when it starts the inference servers (`serveCommandTemplate`). */
export type HostShardActivities = Pick<StarActivities, 'generateShard' | 'evalShard'>;

export function hostShardProxies(host: string, heartbeatTimeoutSeconds: number): HostShardActivities {
  const options = (name: keyof HostShardActivities): ActivityOptions => ({
    taskQueue: hostTaskQueue(host),
    startToCloseTimeout: ACTIVITY_LIMITS[name].startToCloseTimeout,
    heartbeatTimeout: `${heartbeatTimeoutSeconds}s`,
    retry: retry(ACTIVITY_LIMITS[name].attempts),
  });
  return {
    generateShard: proxyActivities<HostShardActivities>(options('generateShard')).generateShard,
    evalShard: proxyActivities<HostShardActivities>(options('evalShard')).evalShard,
  };
}
