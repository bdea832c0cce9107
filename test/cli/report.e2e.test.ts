import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scratchDir } from '../../test-support/experiment-input';

const star = join(__dirname, '..', '..', 'bin', 'star.js');

void describe('star report', () => {
  void it('names the experiment and the storage root it could not find, with status 2', () => {
    const root = scratchDir('report-cli');
    const run = spawnSync(process.execPath, [star, 'report', 'no-such-experiment', '--storage-root', root], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^star: no experiment no-such-experiment under file:\/\/.*: check the experiment name and --storage-root/);
  });
});
