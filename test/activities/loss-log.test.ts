import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LossLog } from '../../activities/loss-log';
import { parseLossLines } from '../../core/training-loss';
import { scratchDir } from '../../test-support/experiment-input';

void describe('the per-step loss file', () => {
  void it('is saved at each checkpoint, and a resumed attempt replaces the steps it trains again', async () => {
    const uri = join(scratchDir('loss'), 'train', 'loss.jsonl');
    const first = await LossLog.open(uri);
    for (let step = 1; step <= 5; step++) await first.record(step, 3 - step / 10, step % 2 === 0);
    // The attempt dies after step 5: steps 1-4 are saved (checkpoint at 4), step 5 may or may not be.
    const saved = parseLossLines(readFileSync(uri, 'utf8'));
    assert.deepEqual(saved.map((p) => p.step).slice(0, 4), [1, 2, 3, 4]);

    const retry = await LossLog.open(uri);
    for (let step = 5; step <= 6; step++) await retry.record(step, 1 + step / 100, step % 2 === 0);
    await retry.flush();
    const points = parseLossLines(readFileSync(uri, 'utf8'));
    assert.deepEqual(
      points.map((p) => p.step),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(points[4]?.loss, 1.05, 'step 5 comes from the retry');
  });

  void it('skips lines that are not a step and a finite loss', () => {
    assert.deepEqual(parseLossLines('{"step":1,"loss":2}\nnot json\n{"step":2,"loss":null}\n{"step":3,"loss":1.5}\n'), [
      { step: 1, loss: 2 },
      { step: 3, loss: 1.5 },
    ]);
  });
});
