/**
 * The setup scripts' progress lines: a long step prints that it is still working while it runs, and
 * its exit status is the step's. The step waits for a file the test writes once it has seen a line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const helper = join(__dirname, '..', '..', 'scripts', 'with-progress.sh');

function runStep(step: string): { stderr: () => string; firstLine: Promise<void>; exit: Promise<number | null> } {
  let stderr = '';
  const child = spawn('bash', ['-c', `set -euo pipefail; . "${helper}"; with_progress "compiling" bash -c '${step}'`], {
    env: { ...process.env, STAR_SETUP_PROGRESS_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const firstLine = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('\n')) resolve();
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { stderr: () => stderr, firstLine, exit };
}

void describe('with_progress (the setup scripts)', () => {
  void it('says the step is still working while it runs, and stops saying it when it ends', async () => {
    const done = join(mkdtempSync(join(tmpdir(), 'star-progress-')), 'done');
    const run = runStep(`while [ ! -e ${done} ]; do sleep 0.1; done`);
    await run.firstLine;
    writeFileSync(done, '');
    assert.equal(await run.exit, 0);
    assert.match(run.stderr(), /^compiling: still working, 0 min so far\n/);
  });

  void it("returns the step's own exit status", async () => {
    assert.equal(await runStep('exit 3').exit, 3);
  });
});
