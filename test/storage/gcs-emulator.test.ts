import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gcsSkipReason, startGcsEmulator } from '../helpers/gcs-emulator';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void describe('the GCS emulator test helper', { skip: gcsSkipReason() }, () => {
  void it('serves on a loopback port with the bucket created, and stop() ends its process and restores the environment', async () => {
    const before = process.env.STORAGE_EMULATOR_HOST;
    const emulator = await startGcsEmulator('helper-check');
    try {
      assert.match(emulator.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(process.env.STORAGE_EMULATOR_HOST, emulator.endpoint);
      const response = await fetch(`${emulator.endpoint}/storage/v1/b/helper-check`);
      assert.equal(response.status, 200);
      assert.ok(alive(emulator.pid));
    } finally {
      await emulator.stop();
    }
    assert.equal(alive(emulator.pid), false, 'the emulator process is left running');
    assert.equal(process.env.STORAGE_EMULATOR_HOST, before);
  });

  void it('runs two emulators side by side on different ports', async () => {
    const a = await startGcsEmulator('side-a');
    const b = await startGcsEmulator('side-b');
    try {
      assert.notEqual(a.endpoint, b.endpoint);
      assert.equal((await fetch(`${b.endpoint}/storage/v1/b/side-a`)).status, 404);
    } finally {
      await b.stop();
      await a.stop();
    }
    assert.equal(alive(a.pid) || alive(b.pid), false);
  });
});
