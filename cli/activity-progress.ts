/**
 * Fine-grained progress of a running experiment for clients (the CLI's progress bars): the heartbeat
 * details of its pending activities — examples done in each shard, the training step and loss — read
 * through `describe()`. The workflow's own `progress` query gives the phase and shard counts.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import type { ActivityProgress } from '../contracts/heartbeats';

export interface PendingActivityProgress {
  activityType: string;
  attempt: number;
  /** The last heartbeat's details, absent before the first heartbeat. */
  progress?: ActivityProgress;
  lastFailure?: string;
}

export async function pendingActivityProgress(client: Client, experiment: string): Promise<PendingActivityProgress[]> {
  const description = await client.workflow.getHandle(experiment).describe();
  return (description.raw.pendingActivities ?? []).map((pending) => {
    const payload = pending.heartbeatDetails?.payloads?.[0];
    return {
      activityType: pending.activityType?.name ?? 'unknown',
      attempt: pending.attempt ?? 1,
      progress: payload ? (defaultPayloadConverter.fromPayload(payload) as ActivityProgress) : undefined,
      lastFailure: pending.lastFailure?.message ?? undefined,
    };
  });
}
