/** The tracking step: tracking/sync.ts inside an activity (heartbeats; bad setup fails at once, an unreachable tracker is retried). */
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { SyncTrackingInput, SyncTrackingResult } from '../contracts/activities';
import { syncExperimentTrackers } from '../tracking/sync';
import { asActivity } from './failures';

export function syncTracking(input: SyncTrackingInput): Promise<SyncTrackingResult> {
  const info = activityInfo();
  return asActivity('tracking', () =>
    syncExperimentTrackers(input, { workflowId: info.workflowExecution?.workflowId ?? input.experiment, namespace: info.workflowNamespace ?? 'default', beat: () => heartbeat() }),
  );
}
