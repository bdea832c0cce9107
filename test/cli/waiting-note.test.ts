import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitingNote, type PendingActivityProgress } from '../../cli/activity-progress';

const training: PendingActivityProgress = {
  activityType: 'trainModel',
  attempt: 1,
  progress: { kind: 'training', step: 31, totalSteps: 100, loss: 0.5 },
  worker: '4242@laptop',
  heartbeatTimeoutSeconds: 120,
};

void describe('the note under a step whose numbers stopped moving', () => {
  void it('says nothing while the worker heartbeats', () => {
    assert.equal(waitingNote([{ ...training, silentSeconds: 4 }]), '');
  });

  void it('says the worker went silent and when the step is retried', () => {
    assert.equal(
      waitingNote([{ ...training, silentSeconds: 40.2 }]),
      'no heartbeat from 4242@laptop for 40 s: if that worker is gone, trainModel is retried in about 80 s (heartbeat timeout 120 s)',
    );
  });

  void it('says when a step waiting for its next attempt starts it, and why', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const note = waitingNote(
      [{ ...training, attempt: 2, lastFailure: 'activity Heartbeat timeout', nextAttemptAt: new Date(now + 7_000) }],
      now,
    );
    assert.equal(note, 'trainModel attempt 2 starts in 7 s (last attempt: activity Heartbeat timeout)');
  });
});
