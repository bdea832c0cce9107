/**
 * runChunks with several chunks sampling at once: results in the pass's order, a chunk starts only
 * once the chunk `chunksAtOnce` before it is saved, saved chunks are reused, and a failing chunk
 * stops the pass only after the chunks already started have settled.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runChunks, type ChunkedPass } from '../../activities/chunks';

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chunks-'));
  return { dir, uri: pathToFileURL(join(dir, 'pass.chunks')).href };
};

/** A deferred result per chunk, so the test decides when each chunk's sampling ends. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Waits for `condition` (events of the pass, not time: the test's timeout ends a wait that never ends). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const pass = (uri: string, overrides: Partial<ChunkedPass<string>>): ChunkedPass<string> => ({
  dir: uri,
  key: 'key',
  total: 10,
  chunkSize: 3,
  progress: { pass: 'eval', shard: 0, shards: 1 },
  run: (start, end) => Promise.resolve(`${start}-${end}`),
  ...overrides,
});

void describe('runChunks', () => {
  void it('gives the same results in order whether one chunk samples at a time or three', async () => {
    const one = await runChunks(pass(scratch().uri, { chunksAtOnce: 1 }));
    const three = await runChunks(pass(scratch().uri, { chunksAtOnce: 3 }));
    assert.deepEqual(one, ['0-3', '3-6', '6-9', '9-10']);
    assert.deepEqual(three, one);
  });

  void it('starts a chunk only once the chunk chunksAtOnce before it is saved, and lets a later chunk finish first', async () => {
    const { dir, uri } = scratch();
    const saved = (start: number) => existsSync(join(dir, 'pass.chunks', `chunk-${start}.json`));
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    let zeroSavedWhenTwoStarted = false;
    const running = runChunks(
      pass(uri, {
        chunksAtOnce: 2,
        run: async (start, end, _progress, index) => {
          started.push(index);
          if (index === 2) zeroSavedWhenTwoStarted = saved(0);
          await gates[index]?.opened;
          return `${start}-${end}`;
        },
      }),
    );
    await until(() => started.length === 2);
    gates[1]?.open();
    await until(() => saved(3));
    assert.deepEqual([...started].sort(), [0, 1], 'chunk 1 is saved, but chunk 2 waits for chunk 0');
    gates[0]?.open();
    await until(() => started.length >= 3);
    assert.equal(zeroSavedWhenTwoStarted, true);
    gates[2]?.open();
    gates[3]?.open();
    assert.deepEqual(await running, ['0-3', '3-6', '6-9', '9-10']);
  });

  void it('reuses the saved chunks of an earlier attempt', async () => {
    const { uri } = scratch();
    await runChunks(pass(uri, { chunksAtOnce: 2 }));
    const sampled: number[] = [];
    const again = await runChunks(
      pass(uri, {
        chunksAtOnce: 2,
        run: (start) => {
          sampled.push(start);
          return Promise.resolve('new');
        },
      }),
    );
    assert.deepEqual(sampled, []);
    assert.deepEqual(again, ['0-3', '3-6', '6-9', '9-10']);
  });

  void it("throws the failing chunk's error after the chunk sampling beside it has finished, and starts no more", async () => {
    const { dir, uri } = scratch();
    const started: number[] = [];
    const beside = gate();
    const failing = runChunks(
      pass(uri, {
        chunksAtOnce: 2,
        run: async (start, end, _progress, index) => {
          started.push(index);
          if (index === 0) throw new Error('the server refused chunk 0');
          await beside.opened;
          return `${start}-${end}`;
        },
      }),
    );
    let settled = false;
    void failing.catch(() => (settled = true));
    await until(() => started.length === 2);
    assert.equal(settled, false, 'chunk 1 is still sampling');
    beside.open();
    await assert.rejects(failing, /the server refused chunk 0/);
    assert.deepEqual([...started].sort(), [0, 1]);
    assert.ok(existsSync(join(dir, 'pass.chunks', 'chunk-3.json')), 'chunk 1 is saved for the retry');
  });
});
