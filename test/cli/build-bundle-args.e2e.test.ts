/**
 * `workers/build-bundle.ts` reads its arguments as a command does: `--help` prints its usage and
 * writes nothing (it once wrote a 3 MB bundle to a file named `--help`), an unknown option or a
 * second path is refused with the usage.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleArguments } from '../../workers/build-bundle';

const script = join(__dirname, '..', '..', 'workers', 'build-bundle.ts');

void describe('workers/build-bundle.ts arguments', () => {
  void it('prints its usage for --help and writes no file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bundle-args-'));
    const run = spawnSync(process.execPath, ['--import', require.resolve('tsx'), script, '--help'], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /usage: npx tsx workers\/build-bundle\.ts \[OUT\]/);
    assert.deepEqual(readdirSync(cwd), [], 'nothing written');
  });

  void it('takes one output path, defaulting to dist/workflow-bundle.js', () => {
    assert.deepEqual(bundleArguments([]), { help: false, out: 'dist/workflow-bundle.js' });
    assert.deepEqual(bundleArguments(['out/b.js']), { help: false, out: 'out/b.js' });
    assert.equal(bundleArguments(['-h']).help, true);
  });

  void it('refuses an unknown option and a second path, showing the usage', () => {
    assert.throws(() => bundleArguments(['--out', 'x.js']), /Unknown option '--out'[\s\S]*usage: npx tsx workers\/build-bundle\.ts/);
    assert.throws(() => bundleArguments(['a.js', 'b.js']), /one output path, got a\.js b\.js[\s\S]*usage:/);
  });
});
