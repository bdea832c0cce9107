import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFreePort } from '../../cli/ports';
import { runStar } from './run-star';

void describe('star start with storage it cannot reach', () => {
  void it('fails before anything starts, naming the storage root and the cause', async () => {
    // Nothing listens on a free port: the "emulator" (the bucket's server) is down.
    const port = await findFreePort();
    const run = runStar(['start', '--set', 'storageRoot=gs://star-unreachable/runs'], {
      STORAGE_EMULATOR_HOST: `127.0.0.1:${port}`,
      // Not reached: the storage check comes first.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /storageRoot gs:\/\/star-unreachable\/runs cannot be used: .*cannot reach the GCS emulator at STORAGE_EMULATOR_HOST=127\.0\.0\.1:\d+.*Nothing was started/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
