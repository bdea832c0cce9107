import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { scratchDir } from '../../test-support/experiment-input';

void describe('copyRecords', () => {
  void it('copies the last copyN text files, ordered by the iteration number in their names', async () => {
    const dir = scratchDir('copy');
    const from = join(dir, 'exp_3');
    mkdirSync(from, { recursive: true });
    // Sorted as text, exp_10 would come before exp_2; the reference sorts by the number.
    for (const n of [1, 2, 10, 3]) writeFileSync(join(from, `exp_${n}.txt`), `text of ${n}`);
    const result = await createActivities().copyRecords({
      iteration: 4,
      fromFolder: from,
      toFolder: join(dir, 'exp_4'),
      copyN: 2,
      manifestUri: join(dir, 'copy.done.json'),
    });
    assert.deepEqual(
      result.copied.map((uri) => uri.slice(uri.lastIndexOf('/') + 1)),
      ['exp_3.txt', 'exp_10.txt'],
    );
    assert.deepEqual(readdirSync(join(dir, 'exp_4')).sort(), ['exp_10.txt', 'exp_3.txt']);
    assert.equal(readFileSync(join(dir, 'exp_4', 'exp_10.txt'), 'utf8'), 'text of 10');
  });
});
