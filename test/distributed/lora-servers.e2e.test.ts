/**
 * A host's server under `serveLoraAdapters`, as a real process group (the stand-in for vLLM's run-time
 * LoRA API, test/distributed/fixtures/lora-server.ts): the base model's server is started once and
 * every iteration's adapter loaded into it; a server that died, or one a killed host worker left, is
 * replaced and the adapter the shard needs is loaded again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InferenceServers, type ServeRequest } from '../../host/inference-servers';
import { groupAlive } from '../../processes/process-group';
import { scratchDir } from '../../test-support/experiment-input';
import { repoRoot, waitUntil } from '../../test-support/processes';

const SERVE = `${process.execPath} --import tsx ${join(repoRoot, 'test', 'distributed', 'fixtures', 'lora-server.ts')} --port {port} --model {checkpoint}`;

void describe('one server per host with LoRA adapters loaded at run time', { timeout: 120_000 }, () => {
  const dir = scratchDir('lora-servers');
  const note = join(dir, 'state', 'host-h.server.json');
  const pool = () =>
    new InferenceServers({
      host: 'h',
      workdir: repoRoot,
      stateDir: join(dir, 'state'),
      killGraceMs: 2000,
      env: process.env,
      say: () => undefined,
      lingerMs: 100,
    });
  const pgidOf = () => (JSON.parse(readFileSync(note, 'utf8')) as { pgid: number }).pgid;
  const request = (adapter?: string): ServeRequest => ({
    checkpointUri: '/models/base',
    template: SERVE,
    startTimeoutMs: 60_000,
    logDir: dir,
    adapter: adapter ? { name: adapter, path: `/runs/exp/models/${adapter}/step_4` } : undefined,
    lingerMs: 60 * 60_000,
  });
  async function modelsOf(url: string): Promise<string[]> {
    const listed = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
    return listed.data.map((m) => m.id);
  }

  void it('starts the base once for every iteration, and reloads the adapter into a server started anew', async () => {
    const servers = pool();
    const base = await servers.acquire(request());
    const pgid = pgidOf();
    base.release();
    for (const adapter of ['exp_1', 'exp_1', 'exp_2']) {
      const served = await servers.acquire(request(adapter));
      assert.equal(pgidOf(), pgid, `${adapter}: the same server process`);
      assert.equal(served.url, base.url);
      served.release();
    }
    assert.deepEqual(await modelsOf(base.url), ['base', 'exp_2'], "iteration 1's adapter was unloaded");
    const log = () => readFileSync(join(dir, 'serve-h.log'), 'utf8');
    await waitUntil(() => /load exp_2/.test(log()), 30_000, 'the server log to show the load');
    assert.equal([...log().matchAll(/: serving \/models\/base on port/g)].length, 1, 'one start');
    assert.match(log(), new RegExp(`loaded LoRA adapter exp_1 from /runs/exp/models/exp_1/step_4 \\(process group ${pgid}\\)`));

    // The server dies (out of memory, say): the next shard's server is a new one, with its adapter.
    process.kill(-pgid, 'SIGKILL');
    // Reaped, not only dead: the worker learns of the exit when it reaps its child.
    const reaped = () => {
      try {
        process.kill(pgid, 0);
        return false;
      } catch {
        return true;
      }
    };
    await waitUntil(reaped, 30_000, 'the killed server to be reaped');
    const again = await servers.acquire(request('exp_2'));
    assert.notEqual(pgidOf(), pgid);
    assert.deepEqual(await modelsOf(again.url), ['base', 'exp_2']);
    again.release();

    // A restarted host worker stops the server the last one left, starts its own and loads again.
    const left = pgidOf();
    const restarted = pool();
    const fresh = await restarted.acquire(request('exp_2'));
    assert.equal(groupAlive(left), false, "the earlier worker's server was stopped");
    assert.deepEqual(await modelsOf(fresh.url), ['base', 'exp_2']);
    fresh.release();
    await restarted.stopAll();
    await servers.stopAll();
  });
});
