/**
 * A late attempt (a worker stopped, its attempt retried elsewhere and finished, then the first worker
 * resumed) writes nothing: not the step's outputs, not its manifest, not a chunk another attempt saved
 * meanwhile. The step's stored result is what it returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { once, writeStepManifest } from '../../activities/manifest';
import { runChunks } from '../../activities/chunks';
import { writeJson } from '../../storage';

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'late-attempt-'));
  return { dir, uri: (name: string) => pathToFileURL(join(dir, name)).href };
};

void describe('a late attempt of a completed step', () => {
  void it('writes neither its output nor the manifest, and returns the stored result', async () => {
    const { dir, uri } = scratch();
    const result = await once(uri('step.done.json'), 'key', async (output) => {
      // Meanwhile the retried attempt finishes the step on another worker.
      await writeJson(uri('out.json'), { by: 'retry' });
      await writeStepManifest(uri('step.done.json'), 'key', Date.now(), { by: 'retry' });
      await output.writeJson(uri('out.json'), { by: 'late' });
      return { by: 'late' };
    });
    assert.deepEqual(result, { by: 'retry' });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')), { by: 'retry' });
    assert.deepEqual((JSON.parse(readFileSync(join(dir, 'step.done.json'), 'utf8')) as { result: unknown }).result, { by: 'retry' });
  });

  void it('does not rewrite the manifest of a step finished while it worked', async () => {
    const { dir, uri } = scratch();
    let before = 0;
    await once(uri('step.done.json'), 'key', async () => {
      await writeStepManifest(uri('step.done.json'), 'key', Date.now(), 1);
      before = statSync(join(dir, 'step.done.json')).mtimeMs;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 2;
    });
    assert.equal(statSync(join(dir, 'step.done.json')).mtimeMs, before, 'the manifest was not written again');
  });

  void it('does not rewrite a chunk another attempt saved while it computed the same chunk', async () => {
    const { dir, uri } = scratch();
    const chunks = uri('pass.chunks');
    let saved = 0;
    const results = await runChunks({
      dir: chunks,
      key: 'key',
      total: 4,
      chunkSize: 2,
      progress: { pass: 'generate', shard: 0, shards: 1 },
      run: async (start, end) => {
        if (start === 0) {
          await writeJson(`${chunks}/chunk-0.json`, { key: 'key', start, end, result: 'retry' });
          saved = statSync(join(dir, 'pass.chunks', 'chunk-0.json')).mtimeMs;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return `late-${start}`;
      },
    });
    assert.deepEqual(results, ['retry', 'late-2']);
    assert.equal(statSync(join(dir, 'pass.chunks', 'chunk-0.json')).mtimeMs, saved, 'the saved chunk was not written again');
  });
});
