import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFreePort } from '../../cli/ports';
import { runStar } from './run-star';

void describe('a Temporal address nothing answers at', () => {
  for (const args of [['status', 'some-experiment'], ['worker'], ['host', '--host', 'h0']]) {
    void it(`star ${args[0]} says which address and what to check, in one line`, async () => {
      const address = `127.0.0.1:${await findFreePort()}`;
      const run = runStar(args, { TEMPORAL_ADDRESS: address });
      assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stderr,
        new RegExp(`cannot reach the Temporal server at ${address.replace(/\./g, '\\.')} \\(namespace default\\).*Check TEMPORAL_ADDRESS`),
      );
      assert.doesNotMatch(run.stderr, /\n\s+at |TransportError/, 'no stack trace');
    });
  }
});
