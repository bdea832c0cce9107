import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { newDevUriOf } from '../../contracts/layout';
import { scratchDir } from '../../test-support/experiment-input';

const EOT = '<|endoftext|>';

void describe('mergeEval: new_dev.txt', () => {
  void it("joins the shards' correct dev examples in shard order beside the summary, skipping shards that saved none", async () => {
    const dir = join(scratchDir('new-dev'), 'eval');
    mkdirSync(dir, { recursive: true });
    const shards = [0, 1, 2].map((k) => join(dir, `shard-${k}-of-3.json`));
    shards.forEach((uri) => writeFileSync(uri, JSON.stringify({ '1': { correct: 1, total: 2 } })));
    writeFileSync(newDevUriOf(shards[0] as string), `Q: a${EOT}`);
    writeFileSync(newDevUriOf(shards[2] as string), `Q: c${EOT}`);
    assert.equal(newDevUriOf(shards[1] as string), join(dir, 'shard-1-of-3.new_dev.txt'));
    const summaryUri = join(dir, 'summary.json');
    const result = await createActivities().mergeEval({
      iteration: 1,
      shardUris: shards,
      summaryUri,
      manifestUri: join(dir, 'merge.done.json'),
    });
    assert.equal(result.accuracy['1']?.correct, 3);
    assert.equal(newDevUriOf(summaryUri), join(dir, 'new_dev.txt'));
    assert.ok(existsSync(join(dir, 'new_dev.txt')));
    assert.equal(readFileSync(join(dir, 'new_dev.txt'), 'utf8'), `Q: a${EOT}\n\nQ: c${EOT}`);
  });
});
