/**
 * The shards of one pass on one worker build a generated selection once (at 100,000 arithmetic
 * questions a build costs about a second of CPU per shard), and get the same examples as without the
 * cache; dataset splits are read afresh every time.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { shardExamples } from '../../activities/examples';
import { SelectionCache } from '../../activities/selection-cache';
import { parseExperimentInputOrThrow } from '../../contracts/experiment-input';

const arithmetic = parseExperimentInputOrThrow({
  experiment: 'sel',
  task: 'arithmetic',
  nTrainSamples: 300,
  arithmetic: { trainDigits: [1, 2, 3], trainPerDigit: 200 },
});

void describe('the selection cache', () => {
  void it("builds a pass's arithmetic selection once for all its shards, with the examples an uncached build gives", async () => {
    const cache = new SelectionCache();
    const cached = await Promise.all([0, 1, 2].map((k) => shardExamples(arithmetic, '', 'train', 1, k, 3, cache)));
    const fresh = await Promise.all([0, 1, 2].map((k) => shardExamples(arithmetic, '', 'train', 1, k, 3)));
    assert.equal(cache.builds, 1);
    assert.deepEqual(
      cached.map((s) => s.examples),
      fresh.map((s) => s.examples),
    );
    assert.deepEqual(
      cached.map((s) => s.firstIndex),
      [0, 100, 200],
    );

    await shardExamples(arithmetic, '', 'train', 2, 0, 3, cache);
    assert.equal(cache.builds, 2, 'another iteration draws another selection');
    await shardExamples({ ...arithmetic, nTrainSamples: 30 }, '', 'train', 1, 0, 3, cache);
    assert.equal(cache.builds, 3, 'other options make another selection');
  });

  void it('keeps at most its capacity, dropping the least recently used', async () => {
    const cache = new SelectionCache(2);
    for (const iteration of [1, 2, 1, 3, 1]) await shardExamples(arithmetic, '', 'train', iteration, 0, 2, cache);
    assert.equal(cache.builds, 3, 'iteration 1 stayed, 2 was dropped for 3');
    await shardExamples(arithmetic, '', 'train', 2, 0, 2, cache);
    assert.equal(cache.builds, 4);
  });

  void it('reads a dataset split afresh each time (a fixed file is seen on the next attempt)', async () => {
    const cache = new SelectionCache();
    const dataset = join(__dirname, '..', 'fixtures', 'core', 'star');
    const options = parseExperimentInputOrThrow({ experiment: 'sel', task: 'commonsenseqa', datasetDir: dataset, nTrainSamples: 4 });
    await shardExamples(options, dataset, 'train', 1, 0, 2, cache);
    await shardExamples(options, dataset, 'train', 1, 1, 2, cache);
    assert.equal(cache.builds, 0);
  });
});
