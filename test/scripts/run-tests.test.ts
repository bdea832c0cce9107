/**
 * The fast tier's runner (`node scripts/run-tests.js --fast`) runs many files in one process per core:
 * every file's tests are run and counted once, a failing test or a file that throws while loading
 * fails the run, and the files after it still run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const RUNNER = join(__dirname, '..', '..', 'scripts', 'run-tests.js');

function runFast(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'star-runner-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const run = spawnSync(process.execPath, [RUNNER, '--fast', '--dir', dir], { encoding: 'utf8', cwd: join(__dirname, '..', '..') });
  const summary = run.stdout.slice(run.stdout.lastIndexOf('all '));
  const total = (key: string) => Number(new RegExp(`^ℹ ${key} (\\d+)$`, 'm').exec(summary)?.[1]);
  return { status: run.status, output: run.stdout + run.stderr, total };
}

const passing = (name: string, count: number) =>
  `import { it } from 'node:test';\n` +
  Array.from({ length: count }, (_, i) => `it('${name} ${i}', async () => { await new Promise((r) => setImmediate(r)); });\n`).join('');

void describe('the fast tier runner', () => {
  void it('runs every test of every file once and counts them without its own markers', () => {
    const run = runFast({
      'a.test.ts': passing('a', 3),
      'b.test.ts': passing('b', 2),
      'c.test.ts': passing('c', 4),
      'd.test.ts': passing('d', 1),
    });
    assert.equal(run.status, 0, run.output);
    assert.equal(run.total('tests'), 10, run.output);
    assert.equal(run.total('pass'), 10);
    assert.equal(run.total('fail'), 0);
    for (const name of ['a 2', 'b 1', 'c 3', 'd 0']) assert.equal(run.output.split(`✔ ${name} `).length, 2, `${name} ran once`);
  });

  void it('fails on a failing test and on a file that throws while loading, and still runs the files after them', () => {
    const run = runFast({
      'a.test.ts': `import { it } from 'node:test';\nimport assert from 'node:assert/strict';\nit('adds', () => assert.equal(1 + 1, 3));\n`,
      'b.test.ts': `throw new Error('b cannot load');\n`,
      'c.test.ts': passing('c', 2),
      'd.test.ts': passing('d', 2),
    });
    assert.equal(run.status, 1, run.output);
    assert.equal(run.total('fail'), 2, run.output);
    assert.equal(run.total('pass'), 4, run.output);
    assert.match(run.output, /b cannot load/);
  });
});
