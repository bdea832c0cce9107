import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { findResetPoint, NothingToResumeError } from '../../cli/reset';

const T = temporal.api.enums.v1.EventType;
const event = (id: number, eventType: temporal.api.enums.v1.EventType, extra: Partial<temporal.api.history.v1.IHistoryEvent> = {}) => ({
  eventId: Long.fromNumber(id),
  eventType,
  ...extra,
});

void describe('findResetPoint', () => {
  void it('picks the last completed workflow task before the failed activity was scheduled', () => {
    const events = [
      event(1, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      event(4, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      event(5, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: { activityType: { name: 'generateShard' } } }),
      event(9, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      event(10, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: { activityType: { name: 'writeRecords' } } }),
      event(12, T.EVENT_TYPE_ACTIVITY_TASK_FAILED, {
        activityTaskFailedEventAttributes: { scheduledEventId: Long.fromNumber(10), failure: { message: 'missing file' } },
      }),
      event(15, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      event(16, T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED),
    ];
    assert.deepEqual(findResetPoint(events), {
      eventId: 9,
      failedActivity: { activityType: 'writeRecords', scheduledEventId: 10, failure: 'missing file' },
    });
  });

  void it('continues from the last completed workflow task when no step failed', () => {
    const events = [
      event(1, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      event(4, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      event(7, T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED),
    ];
    assert.deepEqual(findResetPoint(events), { eventId: 4 });
  });

  void it('refuses a run that never completed a workflow task', () => {
    assert.throws(() => findResetPoint([event(1, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)]), NothingToResumeError);
  });
});
