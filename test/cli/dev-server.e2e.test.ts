import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { devServerFiles, readServerRecord, startOrReuseDevServer, stopDevServer } from '../../cli/dev-server';
import { processAlive } from '../../processes/process-group';
import { findFreePort, isPortFree, namespaceAnswers } from '../../cli/ports';

// The real `temporal` binary (found or installed by cli/temporal-binary.ts), on free ports, with its
// state in a temporary folder.
void describe('the local Temporal dev server', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'star-dev-server-'));
  after(async () => {
    await stopDevServer(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });

  void it('starts on the given port, answers, and keeps its database and log in the state folder', async () => {
    const port = await findFreePort();
    const server = await startOrReuseDevServer({ stateDir, port, headless: true });
    assert.equal(server.reused, false);
    assert.equal(server.address, `127.0.0.1:${port}`);
    assert.equal(server.uiUrl, undefined);
    assert.ok(await namespaceAnswers(server.address, 'default'));
    const files = devServerFiles(stateDir);
    assert.ok(existsSync(files.db), 'temporal.db missing');
    assert.ok(existsSync(files.log), 'dev-server.log missing');
    assert.equal(readServerRecord(stateDir)?.pid, server.pid);
  });

  void it('reuses the running server instead of starting a second one on the same database', async () => {
    const first = readServerRecord(stateDir);
    assert.ok(first);
    const again = await startOrReuseDevServer({ stateDir, headless: true });
    assert.equal(again.reused, true);
    assert.equal(again.pid, first.pid);
    assert.equal(again.address, `127.0.0.1:${first.port}`);
  });

  void it('stops the whole process group and frees the port', async () => {
    const running = readServerRecord(stateDir);
    assert.ok(running);
    assert.equal(await stopDevServer(stateDir), true);
    assert.equal(processAlive(running.pid), false);
    assert.equal(readServerRecord(stateDir), undefined);
    assert.ok(await isPortFree(running.port));
    assert.equal(await stopDevServer(stateDir), false);
  });

  void it('keeps workflows across a restart (the state a stopped `star run` resumes from)', async () => {
    const port = await findFreePort();
    let server = await startOrReuseDevServer({ stateDir, port, headless: true });
    // A workflow with no worker stays running: enough to see it survive the restart.
    await withClient(server.address, (client) =>
      client.workflow.start('starExperiment', { taskQueue: 'star-dev-server-test', workflowId: 'survives-restart', args: [{}] }),
    );
    await server.stop();
    server = await startOrReuseDevServer({ stateDir, port, headless: true });
    const status = await withClient(
      server.address,
      async (client) => (await client.workflow.getHandle('survives-restart').describe()).status.name,
    );
    assert.equal(status, 'RUNNING');
    await withClient(server.address, (client) => client.workflow.getHandle('survives-restart').terminate('test done'));
    await server.stop();
  });

  void it('stays up while another live process uses it, and stops when the last user releases it', async () => {
    const server = await startOrReuseDevServer({ stateDir, port: 'any', headless: true });
    server.use();
    // Another `star run` using the server: any live process other than this one will do.
    const otherMark = join(devServerFiles(stateDir).users, String(process.ppid));
    writeFileSync(otherMark, ''); // use() made the folder
    assert.equal(await server.release(), false);
    assert.ok(processAlive(server.pid));
    rmSync(otherMark);
    server.use();
    assert.equal(await server.release(), true);
    assert.equal(processAlive(server.pid), false);
    assert.equal(readServerRecord(stateDir), undefined);
  });

  void it('forgets users that died, and keeps a persistent server (`star server start`) running', async () => {
    const server = await startOrReuseDevServer({ stateDir, port: 'any', headless: true, persistent: true });
    mkdirSync(devServerFiles(stateDir).users, { recursive: true });
    writeFileSync(join(devServerFiles(stateDir).users, '999999999'), ''); // no such process
    server.use();
    assert.equal(await server.release(), false);
    assert.ok(processAlive(server.pid));
    await server.stop();
  });

  void it('says why when the server cannot start (its port is taken)', async () => {
    const blockerState = mkdtempSync(join(tmpdir(), 'star-dev-server-other-'));
    const blocker = await startOrReuseDevServer({ stateDir: blockerState, headless: true, port: 'any' });
    const otherState = mkdtempSync(join(tmpdir(), 'star-dev-server-clash-'));
    try {
      const port = Number(blocker.address.split(':')[1]);
      await assert.rejects(
        startOrReuseDevServer({ stateDir: otherState, port, headless: true, readyTimeoutSeconds: 20 }),
        /port \d+ is in use by another process/,
      );
      assert.equal(readServerRecord(otherState), undefined);
    } finally {
      await blocker.stop();
      rmSync(otherState, { recursive: true, force: true });
      rmSync(blockerState, { recursive: true, force: true });
    }
  });
});

async function withClient<T>(address: string, work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await work(new Client({ connection }));
  } finally {
    await connection.close();
  }
}
