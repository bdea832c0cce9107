/**
 * The storage root's check before an experiment starts, for local roots: done in a child process
 * (a file system that never answers cannot then hold the caller's threads), bounded by a timeout,
 * and refusing pseudo-filesystems, which accept paths but hold no files.
 */
import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { checkStorageReachable } from '../../storage/reachable';
import { StorageAccessError } from '../../storage/store';
import { scratchDir } from '../../test-support/experiment-input';

void describe('checkStorageReachable on a local root', () => {
  void it('creates a missing folder and passes, as a path or a file:// URI', async () => {
    const dir = scratchDir('reachable');
    await checkStorageReachable(join(dir, 'a', 'b'));
    assert.ok(existsSync(join(dir, 'a', 'b')));
    await checkStorageReachable(pathToFileURL(join(dir, 'c')).href);
    assert.ok(existsSync(join(dir, 'c')));
  });

  void it('refuses /proc, /sys and /dev folders, naming the file system', async () => {
    for (const [root, kind] of [
      ['/proc/sys/star', 'proc'],
      ['/sys/star', 'sysfs'],
      ['file:///dev/star', 'dev'],
    ] as const) {
      await assert.rejects(checkStorageReachable(root), (err: unknown) => {
        assert.ok(err instanceof StorageAccessError, String(err));
        assert.match(err.message, new RegExp(`is on a pseudo-filesystem \\(${kind}\\)`));
        return true;
      });
    }
  });

  void it('refuses a folder reached through a link into /proc, by the file system it is on', async () => {
    const dir = scratchDir('linked');
    symlinkSync('/proc/sys', join(dir, 'link'));
    await assert.rejects(checkStorageReachable(join(dir, 'link', 'star')), /is on a pseudo-filesystem \(proc\)/);
  });

  void it('gives up on a file system that does not answer in time, saying so', async () => {
    // A timeout of 0 ms: the check's child process cannot have answered yet.
    await assert.rejects(checkStorageReachable(scratchDir('slow'), 0), (err: unknown) => {
      assert.ok(err instanceof StorageAccessError, String(err));
      assert.match(err.message, /no answer within 0 s creating .*: a file system that hangs/);
      return true;
    });
  });
});
