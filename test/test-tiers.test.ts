/**
 * The two test tiers: `npm test` runs every file, `npm run test:fast` leaves out the end-to-end ones,
 * named `*.e2e.test.ts`. A file that runs the pipeline on a dev server with real workers or starts our
 * own programs as processes must carry that name, or the fast tier would grow slow unnoticed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..');

/** What only end-to-end tests call: the dev-server suite fixture, real workers, and our programs as processes. */
const END_TO_END = /\b(devServerSuite|startWorker|startHostWorker|startWorkerProcess|runStar|startServe)\(|'bin', 'star\.js'|bin\/star\.js/;

function listed(...flags: string[]): string[] {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.js'), '--list', ...flags], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter(Boolean);
}

void describe('the test tiers', () => {
  const all = listed();
  const fast = listed('--fast');

  void it('runs every file in the full tier and leaves out exactly the *.e2e.test.ts files in the fast one', () => {
    assert.ok(
      all.some((f) => f.endsWith('.e2e.test.ts')),
      'the full tier has end-to-end files',
    );
    assert.deepEqual([...fast].sort(), all.filter((f) => !f.endsWith('.e2e.test.ts')).sort());
  });

  void it('keeps unit tests, the workflow logic with mock activities and the replay test in the fast tier', () => {
    for (const file of ['test/core/sampling.test.ts', 'test/workflows/logic.test.ts', 'test/workflows/replay.test.ts']) {
      assert.ok(fast.includes(file), `${file} is in the fast tier`);
    }
  });

  void it('names every file that starts a dev-server suite, a real worker or one of our programs *.e2e.test.ts', () => {
    const misnamed = fast.filter((file) => END_TO_END.test(readFileSync(join(ROOT, file), 'utf8')));
    assert.deepEqual(misnamed, [], 'rename these to *.e2e.test.ts (or move the slow part into one)');
  });
});
