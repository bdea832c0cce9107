/**
 * Which errors of the setNIters update mean "sent, no worker has answered yet" (pending) rather than
 * a failure. The client reports a deadline reached while the server holds the update either as
 * DEADLINE_EXCEEDED or, depending on which side notices first, as CANCELLED; both are pending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { isUpdatePending } from '../../cli/extend';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

void describe('isUpdatePending', () => {
  void it('counts the SDK error for a cancelled update call as pending', () => {
    const err = new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled', { cause: grpcError(1, 'Call cancelled') });
    assert.equal(isUpdatePending(err), true);
  });

  void it('counts a deadline reached as pending', () => {
    const err = new WorkflowUpdateRPCTimeoutOrCancelledError('Deadline exceeded', { cause: grpcError(4, 'Deadline exceeded') });
    assert.equal(isUpdatePending(err), true);
    assert.equal(isUpdatePending(grpcError(4, 'Deadline exceeded')), true);
  });

  void it('does not count other failures as pending', () => {
    assert.equal(isUpdatePending(new Error('connection refused')), false);
    assert.equal(isUpdatePending(grpcError(14, 'unavailable')), false);
    assert.equal(isUpdatePending(undefined), false);
  });
});
