/**
 * Replays every committed history (test/histories/*.json, captured from real runs by
 * test/histories/capture.ts) against the current workflow code: a change that would break running
 * experiments fails here. Then the proof that this can fail: a committed history altered on purpose,
 * as changed workflow code would see an old one, fails replay with a DeterminismViolationError.
 * (One file, so the workflows are bundled once.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { ExperimentInput } from '../../contracts/experiment-input';
import { HISTORIES_DIR, loadHistories, loadHistory, type CommittedHistory } from '../helpers/histories';
import { installQuietRuntime, workflowBundle } from '../../test-support/temporal';

before(() => installQuietRuntime());

void describe('replaying committed histories', { timeout: 120_000 }, () => {
  void it('replays every captured history without a determinism error', async () => {
    const histories = loadHistories();
    assert.ok(histories.length >= 5, `expected the captured histories in ${HISTORIES_DIR}; run npx tsx test/histories/capture.ts`);
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle(), replayName: 'star-replay' }, histories);
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
    }
    assert.equal(replayed, histories.length);
  });

  void it('keeps no stack trace in a committed history (they name the folders of the machine that captured it)', () => {
    const withStacks = readdirSync(HISTORIES_DIR)
      .filter((name) => name.endsWith('.json'))
      .filter((name) => /"stackTrace": "(?:[^"\\]|\\.)+"/.test(readFileSync(join(HISTORIES_DIR, name), 'utf8')));
    assert.deepEqual(withStacks, [], 'capture again (test-support/temporal.ts clears them) or clear their stackTrace fields');
  });
});

void describe('replaying a history altered on purpose', { timeout: 120_000 }, () => {
  /** The first run of the two-iteration experiment: prepare, two generation shards, merge, ... */
  const HISTORY = 'two-iterations-1.json';

  async function replay({ history, workflowId }: CommittedHistory): Promise<void> {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: 'star-replay-altered' }, history, workflowId);
  }
  const nondeterminism = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };

  void it('fails when an activity the workflow schedules is recorded as another', async () => {
    const recorded = loadHistory(HISTORY);
    const scheduled = recorded.history.events?.find((e) => e.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes;
    assert.equal(scheduled?.activityType?.name, 'prepareExperiment', 'the first step of a new experiment');
    scheduled!.activityType!.name = 'copyRecords';
    await assert.rejects(replay(recorded), nondeterminism(/'copyRecords' does not match .*'prepareExperiment'/));
  });

  void it('fails when the recorded input makes the workflow schedule other steps', async () => {
    const recorded = loadHistory(HISTORY);
    const payloads = recorded.history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const input = defaultPayloadConverter.fromPayload(payloads![0]!) as ExperimentInput;
    assert.equal(input.shards, 2, 'the run generated with two shards');
    // With three shards the workflow schedules a third generation shard where the history merges.
    payloads![0] = defaultPayloadConverter.toPayload({ ...input, shards: 3 });
    await assert.rejects(replay(recorded), nondeterminism(/'mergeGeneration' does not match .*'generateShard'/));
  });
});
