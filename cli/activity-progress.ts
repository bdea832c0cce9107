/**
 * Fine-grained progress of a running experiment for clients (the CLI's progress bars): the heartbeat
 * details of its pending activities — examples done in each shard, the training step and loss — read
 * through `describe()`. The workflow's own `progress` query gives the phase and shard counts.
 */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ActivityProgress } from '../contracts/heartbeats';

export interface PendingActivityProgress {
  activityType: string;
  attempt: number;
  /** The last heartbeat's details, absent before the first heartbeat. */
  progress?: ActivityProgress;
  lastFailure?: string;
  /** Seconds since its running attempt last heartbeated (or started); absent unless an attempt is running. */
  silentSeconds?: number;
  /** Its heartbeat timeout: a running attempt silent this long is given up and retried. */
  heartbeatTimeoutSeconds?: number;
  /** The worker that holds (or last held) it. */
  worker?: string;
  /** When the next attempt starts, while it waits to be retried. */
  nextAttemptAt?: Date;
}

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

function millisOf(ts: Timestamp): number | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  return Number(String(ts.seconds)) * 1000 + (ts.nanos ?? 0) / 1e6;
}

export async function pendingActivityProgress(client: Client, experiment: string, now = Date.now()): Promise<PendingActivityProgress[]> {
  const description = await client.workflow.getHandle(experiment).describe();
  return (description.raw.pendingActivities ?? []).map((pending) => {
    const payload = pending.heartbeatDetails?.payloads?.[0];
    const running = pending.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
    const lastSign = millisOf(pending.lastHeartbeatTime) ?? millisOf(pending.lastStartedTime);
    const timeout = pending.activityOptions?.heartbeatTimeout;
    const nextAttempt = millisOf(pending.nextAttemptScheduleTime);
    return {
      activityType: pending.activityType?.name ?? 'unknown',
      attempt: pending.attempt ?? 1,
      progress: payload ? (defaultPayloadConverter.fromPayload(payload) as ActivityProgress) : undefined,
      lastFailure: pending.lastFailure?.message ?? undefined,
      silentSeconds: running && lastSign !== undefined ? Math.max(0, (now - lastSign) / 1000) : undefined,
      heartbeatTimeoutSeconds: timeout?.seconds !== undefined && timeout.seconds !== null ? Number(String(timeout.seconds)) : undefined,
      worker: pending.lastWorkerIdentity || undefined,
      nextAttemptAt: nextAttempt === undefined ? undefined : new Date(nextAttempt),
    };
  });
}

/**
 * Workers heartbeat at least every 5 s while they work; three times that without one means the
 * worker is probably gone (killed, or its machine down).
 */
export const SILENT_SECONDS = 15;

/**
 * What a person watching needs when the numbers stop moving: a running attempt that has gone silent
 * (its worker probably died; the server retries it once the heartbeat timeout has passed), or a step
 * waiting for its next attempt. Empty when all is well.
 */
export function waitingNote(pending: readonly PendingActivityProgress[], now = Date.now()): string {
  const silent = pending.find((p) => p.silentSeconds !== undefined && p.silentSeconds >= SILENT_SECONDS);
  if (silent) {
    const seconds = Math.round(silent.silentSeconds ?? 0);
    const when =
      silent.heartbeatTimeoutSeconds !== undefined
        ? `in about ${Math.max(0, Math.ceil(silent.heartbeatTimeoutSeconds - seconds))} s (heartbeat timeout ${silent.heartbeatTimeoutSeconds} s)`
        : 'once its heartbeat timeout has passed';
    return `no heartbeat from ${silent.worker ?? 'its worker'} for ${seconds} s: if that worker is gone, ${silent.activityType} is retried ${when}`;
  }
  const waiting = pending.find((p) => p.nextAttemptAt !== undefined);
  if (waiting?.nextAttemptAt) {
    const inSeconds = Math.max(0, Math.ceil((waiting.nextAttemptAt.getTime() - now) / 1000));
    return `${waiting.activityType} attempt ${waiting.attempt} starts in ${inSeconds} s${waiting.lastFailure ? ` (last attempt: ${waiting.lastFailure})` : ''}`;
  }
  return '';
}
