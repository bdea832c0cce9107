/** The tracking step: tracking/sync.ts inside an activity (heartbeats; bad setup fails at once, an unreachable tracker is retried). */
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { SyncTrackingInput, SyncTrackingResult } from '../contracts/activities';
import { syncExperimentTrackers } from '../tracking/sync';
import { asActivity } from '../activity-context/failures';

export async function syncTracking(input: SyncTrackingInput): Promise<SyncTrackingResult> {
  const info = activityInfo();
  // Beat all along (the report is rendered first): an attempt that stops beating is retried while it
  // may still be logging, and two syncs at once could log a point twice.
  const beating = setInterval(() => heartbeat(), 1000);
  try {
    return await asActivity('tracking', () =>
      syncExperimentTrackers(input, {
        workflowId: info.workflowExecution?.workflowId ?? input.experiment,
        namespace: info.workflowNamespace ?? 'default',
        beat: () => heartbeat(),
      }),
    );
  } finally {
    clearInterval(beating);
  }
}
