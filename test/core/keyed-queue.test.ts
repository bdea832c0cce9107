import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { KeyedQueue } from '../../core/keyed-queue';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

void describe('KeyedQueue', () => {
  void it('starts work on a key only after the earlier work on that key has ended', async () => {
    const queue = new KeyedQueue();
    const first = deferred();
    const started: string[] = [];
    const a = queue.run('exp', async () => {
      started.push('a');
      await first.promise;
      return 'a';
    });
    const b = queue.run('exp', () => {
      started.push('b');
      return Promise.resolve('b');
    });
    await nextTurn();
    assert.deepEqual(started, ['a'], 'the second waits while the first runs');
    first.resolve();
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.deepEqual(started, ['a', 'b']);
  });

  void it('runs other keys at once, and goes on after a failure', async () => {
    const queue = new KeyedQueue();
    const first = deferred();
    const started: string[] = [];
    const a = queue.run('exp-1', async () => {
      started.push('a');
      await first.promise;
    });
    const other = queue.run('exp-2', () => {
      started.push('other');
      return Promise.resolve();
    });
    const b = queue.run('exp-1', () => {
      started.push('b');
      return Promise.resolve('b');
    });
    await other;
    assert.deepEqual(started, ['a', 'other']);
    first.reject(new Error('tracker down'));
    await assert.rejects(a, /tracker down/);
    assert.equal(await b, 'b');
    await nextTurn();
    assert.equal(queue.size, 0, 'keys are forgotten once idle');
  });
});
