import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStar } from './run-star';

void describe('an invalid experiment input', () => {
  void it('prints every problem with field, value and expectation, and exits 2', () => {
    const run = runStar([
      'plan',
      '--set',
      'nIters=1',
      '--set',
      'baseEval=false',
      '--set',
      'experiment=a b',
      '--set',
      'pRationalization=1.5',
    ]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /nIters: nIters 1 runs no iteration.*baseEval.*\(got 1\)/);
    assert.match(run.stderr, /experiment: letters, digits.*\(got "a b"\)/);
    assert.match(run.stderr, /pRationalization: .*<=1.*\(got 1\.5\)/);
  });

  void it('names the closest valid options for unknown --set keys, and exits 2', () => {
    const run = runStar(['plan', '--set', 'n_iters=6', '--set', 'steadyGrw=true']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown option "n_iters"; did you mean "nIters"/);
    assert.match(run.stderr, /unknown option "steadyGrw"; did you mean "steadyGrow"/);
  });

  void it('is refused by `star start` before any connection is tried', () => {
    const run = runStar(['start', '--set', 'nIters=0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /nIters/);
  });

  void it('reports an input file that is not JSON, with its path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'star-bad-')), 'experiment.json');
    writeFileSync(file, '{ "nIters": 3, }');
    const run = runStar(['plan', '--input', file]);
    assert.equal(run.status, 2);
    assert.ok(run.stderr.includes(file), run.stderr);
  });

  void it('reports both growth rules on at once', () => {
    const run = runStar(['plan', '--set', 'steadyGrow=true', '--set', 'exponentialGrow=true']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /steadyGrow and exponentialGrow are both on/);
  });

  void it('exits 2 for an unknown command and suggests the closest', () => {
    const run = runStar(['stauts']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown command "stauts"; did you mean .*status/);
  });
});
