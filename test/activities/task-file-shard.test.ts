/**
 * A task file whose data goes bad while an experiment runs (edited between iterations): the shard that
 * meets the bad row fails at once, without retries, naming the file, line and field; once the row is
 * fixed the same step runs again and finishes.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { writeAdditionTask } from '../workflows/fixtures/addition-task';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

void describe('a task file whose row goes bad mid-run', { timeout: 180_000 }, () => {
  void it('fails the generation step non-retryably naming the row, and runs once the row is fixed', async () => {
    const dir = scratchDir('task-file-shard');
    const taskFile = writeAdditionTask(dir);
    const { arithmetic: _unused, ...input } = tinyExperiment('bad-row', join(dir, 'runs'), await tinyBaseModel(), writeBaseConfig(dir));
    const options = parseExperimentInputOrThrow({ ...input, task: 'file', taskFile });
    const acts = createActivities({ chunkSize: 4 });
    const layout = iterationLayout(join(dir, 'runs'), 'bad-row', 1);
    const shard = () =>
      acts.generateShard({
        options,
        datasetDir: '',
        iteration: 1,
        shard: 0,
        shards: 1,
        checkpointUri: options.baseModelLocation,
        outputUri: layout.generateShard(0, 1),
      });

    const train = join(dir, 'train.jsonl');
    const good = readFileSync(train, 'utf8');
    appendFileSync(train, '\n{"id": "late", "sum": "1 + 1", "hint": "0 2", "digits": 1}\n');
    const err = await shard().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true);
    assert.equal(
      err.message,
      `generation shard 0 of 1 (iteration 1): ${train}:13: total: the row has no "total" field (the task file's data.fields.answer); every row needs one: add it, or point data.fields.answer at the field that holds it`,
    );

    writeFileSync(train, good);
    const done = await shard();
    assert.equal(done.counts.attempted, 12);
  });
});
