/**
 * What `star` reads from the client's side before anything starts: a relative storageRoot is the
 * client's folder (not the worker's), `~` is the client's home, a `file://` URL with a host is
 * refused, and experiment names are checked wherever one is typed (a name that reads as an option,
 * a path out of the storage root). Messages speak of what the user typed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runStar } from './run-star';

const exported = (cwd: string, sets: string[], env: Record<string, string> = {}) => {
  const run = runStar(['plan', '--export', ...sets.flatMap((s) => ['--set', s])], env, cwd);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { storageRoot: string };
};

void describe('paths and names read on the client', () => {
  void it('resolves a relative storageRoot in the folder star runs in', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'star-client-'));
    assert.equal(exported(cwd, ['storageRoot=relroot/sub']).storageRoot, join(cwd, 'relroot', 'sub'));
  });

  void it('expands ~ to the home folder and refuses ~user', () => {
    const home = mkdtempSync(join(tmpdir(), 'star-home-'));
    assert.equal(exported(tmpdir(), ['storageRoot=~/runs'], { HOME: home }).storageRoot, join(home, 'runs'));
    assert.equal(exported(tmpdir(), ['storageRoot=~'], { HOME: home }).storageRoot, home);
    const other = runStar(['plan', '--set', 'storageRoot=~someone/runs']);
    assert.equal(other.status, 2);
    assert.match(other.stderr, /storageRoot ~someone\/runs: .*~user.*give the folder's full path/);
  });

  void it('refuses file://relative before any connection is tried', () => {
    const run = runStar(['start', '--set', 'storageRoot=file://relative/runs'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /storageRoot file:\/\/relative\/runs: .*file:\/\/\/absolute\/path.*Nothing was started/);
    assert.doesNotMatch(run.stderr, /connect|ECONNREFUSED/i);
  });

  void it('refuses an experiment name that starts with "-"', () => {
    const run = runStar(['plan', '--set', 'experiment=-x']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /experiment: .*not start with "-".*\(got "-x"\)/);
  });

  void it('checks the experiment name of star report, which writes nothing outside the storage root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'star-report-name-'));
    const root = join(dir, 'root');
    mkdirSync(join(dir, 'victim', 'metrics'), { recursive: true });
    mkdirSync(root);
    writeFileSync(join(dir, 'victim', 'metrics', 'victim_1.json'), JSON.stringify({ iteration: 1 }));
    const run = runStar(['report', '../victim', '--storage-root', root]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /experiment name "\.\.\/victim": letters, digits, "_" and "-" only/);
    assert.equal(existsSync(join(dir, 'victim', 'report')), false, 'no report written beside the root');
  });

  void it('checks experiment names before connecting, in every command that takes one', () => {
    for (const args of [
      ['status', 'a/b'],
      ['stop', 'a/b'],
      ['resume', 'a/b'],
      ['extend', 'a/b', '4'],
      ['redo', 'a/b', '--iteration', '1', '--step', 'train'],
    ]) {
      const run = runStar(args, { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      assert.equal(run.status, 2, `star ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /experiment name "a\/b": letters, digits/);
    }
  });
});

void describe('messages in the terms the user typed', () => {
  void it('says an input file holding null holds null', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'star-null-')), 'input.json');
    writeFileSync(file, 'null');
    const run = runStar(['plan', '--input', file]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /must hold one JSON object \(the experiment input\), not null/);
  });

  void it('shows Infinity as Infinity and asks for a finite number', () => {
    const run = runStar(['plan', '--set', 'temperature=Infinity']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /temperature: a finite number \(got Infinity\)/);
  });

  void it('speaks of --api-key-env when star serve is given an unset variable', () => {
    const run = runStar(['serve', '--api-key-env', 'STAR_TEST_UNSET_KEY', '--port', '0'], {
      STAR_TEST_UNSET_KEY: undefined as unknown as string,
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--api-key-env STAR_TEST_UNSET_KEY: the variable is not set/);
    assert.doesNotMatch(run.stderr, /inferenceApiKeyEnv|worker/);
  });
});
