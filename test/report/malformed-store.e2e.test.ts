/**
 * `star report` on a store holding a damaged file: malformed JSON in a metrics or generation shard
 * file, or a metrics row whose fields have the wrong types, is reported naming the file (and the
 * field), never a bare SyntaxError or a row silently dropped.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collectReport } from '../../report/collect';
import { BadInputError } from '../../core/errors';
import { runStar } from '../cli/run-star';

function store(files: Record<string, string>): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'report-malformed-'));
  const dir = join(root, 'exp');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { root, dir };
}

const goodRow = JSON.stringify({ iteration: 1, attempted: 10, kept: 4, rationalized: 1, totalSteps: 8 });

void describe('a report of a store with a damaged file', () => {
  void it('names a metrics file that is not JSON', async () => {
    const { root, dir } = store({ 'metrics/exp_1.json': '{"iteration": 1,' });
    await assert.rejects(collectReport(root, 'exp'), (err: Error) => {
      assert.ok(err instanceof BadInputError, `a BadInputError, not ${err.name}`);
      assert.ok(err.message.includes(join(dir, 'metrics', 'exp_1.json')), err.message);
      assert.match(err.message, /is not valid JSON/);
      return true;
    });
  });

  void it('names a generation shard file that is not JSON', async () => {
    const { root, dir } = store({ 'metrics/exp_1.json': goodRow, 'iterations/1/generate/shard-0-of-1.json': '[' });
    await assert.rejects(
      collectReport(root, 'exp'),
      (err: Error) => err instanceof BadInputError && err.message.includes(join(dir, 'iterations', '1', 'generate', 'shard-0-of-1.json')),
    );
  });

  void it('names the file and the field of a metrics row with a wrong type', async () => {
    const { root, dir } = store({ 'metrics/exp_1.json': JSON.stringify({ iteration: 1, kept: 'four', totalSteps: 8 }) });
    await assert.rejects(collectReport(root, 'exp'), (err: Error) => {
      assert.ok(err instanceof BadInputError, `a BadInputError, not ${err.name}`);
      assert.ok(err.message.includes(join(dir, 'metrics', 'exp_1.json')), err.message);
      assert.match(err.message, /kept/);
      return true;
    });
  });

  void it('prints one line naming the file from star report, without a stack', () => {
    const { root, dir } = store({ 'metrics/exp_1.json': 'not json' });
    const run = runStar(['report', 'exp', '--storage-root', root]);
    assert.equal(run.status, 2, run.stderr);
    assert.ok(run.stderr.includes(join(dir, 'metrics', 'exp_1.json')), run.stderr);
    assert.doesNotMatch(run.stderr, /at collectReport|SyntaxError/);
  });
});
