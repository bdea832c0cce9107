import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { groupAlive } from '../../processes/process-group';
import { gcsSkipReason, startGcsEmulator } from '../helpers/gcs-emulator';

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

void describe('the GCS emulator test helper', { skip: gcsSkipReason() }, () => {
  void it('serves on a loopback port with the bucket created, and stop() ends its processes and restores the environment', async () => {
    const before = process.env.STORAGE_EMULATOR_HOST;
    const emulator = await startGcsEmulator('helper-check');
    try {
      assert.match(emulator.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(process.env.STORAGE_EMULATOR_HOST, emulator.endpoint);
      const response = await fetch(`${emulator.endpoint}/storage/v1/b/helper-check`);
      assert.equal(response.status, 200);
      assert.ok(groupAlive(emulator.pid));
    } finally {
      await emulator.stop();
    }
    assert.equal(groupAlive(emulator.pid), false, 'a process of the emulator is left running');
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
    assert.equal(groupAlive(a.pid) || groupAlive(b.pid), false);
  });

  void it('takes the emulator down when the test process is killed without stopping it', async () => {
    const helper = join(__dirname, '..', 'helpers', 'gcs-emulator.ts');
    const script = `require(${JSON.stringify(helper)}).startGcsEmulator('orphan-check').then((e) => console.log(e.pid + ' ' + e.endpoint)); setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    // No timer of our own: a pending one would keep this file's process alive after its last test.
    let line = '';
    for await (const l of createInterface({ input: owner.stdout })) {
      line = l;
      break;
    }
    const [pgidText, endpoint] = line.split(' ');
    const pgid = Number(pgidText);
    assert.ok(pgid > 0 && groupAlive(pgid), `owner reported ${line}`);
    assert.equal((await fetch(`${endpoint}/storage/v1/b`)).status, 200);
    owner.kill('SIGKILL');
    assert.ok(await waitUntil(() => !groupAlive(pgid), 10_000), `emulator group ${pgid} outlived its SIGKILLed owner`);
  });
});
