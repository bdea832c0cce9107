/**
 * Resuming a failed experiment (`star resume`): reset the failed run to just before the step that
 * failed, so Temporal replays the completed steps from history (they are not run again) and schedules
 * the failed step anew. The reset point is the last WorkflowTaskCompleted before the failed activity
 * was scheduled — what `temporal workflow reset --event-id <id>` takes, too.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ResetPoint {
  /** The WorkflowTaskCompleted event the run is reset to. */
  eventId: number;
  /** The activity that failed (its type and scheduled event), when the run failed in a step. */
  failedActivity?: { activityType: string; scheduledEventId: number; failure: string };
}

export interface ResetOutcome extends ResetPoint {
  experiment: string;
  failedRunId: string;
  newRunId: string;
}

export class NothingToResumeError extends Error {
  override readonly name = 'NothingToResumeError';
}

/** Where to reset a failed run's history: the last completed workflow task before the failed step. */
export function findResetPoint(events: HistoryEvent[]): ResetPoint {
  const id = (e: HistoryEvent) => Number(e.eventId);
  const failed = [...events]
    .reverse()
    .find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED || e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
  if (failed) {
    const attrs = failed.activityTaskFailedEventAttributes ?? failed.activityTaskTimedOutEventAttributes;
    const scheduledEventId = Number(attrs?.scheduledEventId);
    const scheduled = events.find((e) => id(e) === scheduledEventId);
    const eventId = lastCompletedWorkflowTaskBefore(events, scheduledEventId);
    return {
      eventId,
      failedActivity: {
        activityType: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown',
        scheduledEventId,
        failure: attrs?.failure?.message ?? 'timed out',
      },
    };
  }
  // No failed step (terminated, timed out, or failed in workflow code): continue from the last decision.
  return { eventId: lastCompletedWorkflowTaskBefore(events, Number.MAX_SAFE_INTEGER) };
}

/** The last WorkflowTaskCompleted before `beforeEventId`: the point a reset re-runs the workflow from. */
export function lastCompletedWorkflowTaskBefore(events: HistoryEvent[], beforeEventId: number): number {
  const candidates = events.filter(
    (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) < beforeEventId,
  );
  const last = candidates[candidates.length - 1];
  if (!last) throw new NothingToResumeError('the run has no completed workflow task to reset to; start the experiment again instead');
  return Number(last.eventId);
}

/**
 * Resets the latest run of `experiment` (which must have failed, been terminated or timed out) to just
 * before its failed step. Signals sent to the old run are re-applied to the new one.
 */
export async function resetToFailedStep(client: Client, experiment: string, reason = 'star resume'): Promise<ResetOutcome> {
  const handle = client.workflow.getHandle(experiment);
  const description = await handle.describe();
  const status = description.status.name;
  if (status === 'RUNNING') throw new NothingToResumeError(`experiment ${experiment} is running; nothing to resume`);
  if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') {
    throw new NothingToResumeError(
      `experiment ${experiment} completed; start it again with a higher nIters (its finished steps are reused from storage)`,
    );
  }
  const runHandle = client.workflow.getHandle(experiment, description.runId);
  const history = await runHandle.fetchHistory();
  const point = findResetPoint(history.events ?? []);
  const newRunId = await resetRun(client, experiment, description.runId, point.eventId, reason);
  return { experiment, failedRunId: description.runId, newRunId, ...point };
}

/**
 * Resets one run of `experiment` (any run of its chain, closed or not) to the WorkflowTaskCompleted
 * `eventId`: the server terminates the latest run if it still runs and starts the new run from there.
 * Signals sent after that point are re-applied. Returns the new run's ID.
 */
export async function resetRun(client: Client, experiment: string, runId: string, eventId: number, reason: string): Promise<string> {
  const response = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: experiment, runId },
    reason,
    workflowTaskFinishEventId: Long.fromNumber(eventId),
    requestId: randomUUID(),
  });
  return response.runId ?? '';
}
