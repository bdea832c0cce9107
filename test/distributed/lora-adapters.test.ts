/**
 * The LoRA adapters a host loads into its server (`serveLoraAdapters`), against a stand-in for vLLM's
 * run-time LoRA API: each adapter loaded once, older ones unloaded once no shard uses them, a name the
 * server already holds reloaded rather than failing, and a server without the API refused with what
 * to change.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { LoraAdapters, servedBaseModel } from '../../host/lora-adapters';
import { startLoraServer, type LoraServer } from './fixtures/lora-server';

void describe('LoRA adapters loaded into a running server', () => {
  const servers: LoraServer[] = [];
  const server = async (options: { lora?: boolean } = {}) => {
    const started = await startLoraServer(options);
    servers.push(started);
    return started;
  };
  after(() => Promise.all(servers.map((s) => s.close())));
  const notes: string[] = [];
  const adaptersOf = (s: LoraServer) => new LoraAdapters(s.url, (line) => notes.push(line));

  void it('loads an adapter once for every shard that samples with it', async () => {
    const s = await server();
    const adapters = adaptersOf(s);
    const releases = [
      await adapters.use({ name: 'exp_1', path: '/m/exp_1/step_4' }),
      await adapters.use({ name: 'exp_1', path: '/m/exp_1/step_4' }),
    ];
    releases.forEach((release) => release());
    await adapters.use({ name: 'exp_1', path: '/m/exp_1/step_4' });
    assert.deepEqual(s.events, ['load exp_1 /m/exp_1/step_4']);
  });

  void it("unloads an older iteration's adapter when a newer one loads, once no shard uses it", async () => {
    const s = await server();
    const adapters = adaptersOf(s);
    const first = await adapters.use({ name: 'exp_1', path: '/m/1' });
    await adapters.use({ name: 'exp_2', path: '/m/2' });
    assert.deepEqual([...s.adapters.keys()], ['exp_1', 'exp_2'], 'a shard still samples with exp_1');
    first();
    await adapters.use({ name: 'exp_3', path: '/m/3' });
    assert.deepEqual(s.events, ['load exp_1 /m/1', 'load exp_2 /m/2', 'unload exp_1', 'load exp_3 /m/3']);
    assert.deepEqual(adapters.names(), ['exp_2', 'exp_3']);
  });

  void it('reloads an adapter the server already holds (loaded by an earlier worker) instead of failing', async () => {
    const s = await server();
    s.adapters.set('exp_1', '/elsewhere');
    await adaptersOf(s).use({ name: 'exp_1', path: '/m/1' });
    assert.deepEqual(s.events, ['unload exp_1', 'load exp_1 /m/1']);
    assert.equal(s.adapters.get('exp_1'), '/m/1');
  });

  void it('loads the adapter again when its folder changed (a new checkpoint under the same name)', async () => {
    const s = await server();
    const adapters = adaptersOf(s);
    (await adapters.use({ name: 'exp_1', path: '/m/1/step_4' }))();
    await adapters.use({ name: 'exp_1', path: '/m/1/step_6' });
    assert.equal(s.adapters.get('exp_1'), '/m/1/step_6');
  });

  void it('refuses a server without run-time LoRA updating, non-retryably, naming the flags to start it with', async () => {
    const s = await server({ lora: false });
    const err = await adaptersOf(s)
      .use({ name: 'exp_1', path: '/m/1' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /--enable-lora.*VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/s);
  });

  void it('names the base model as the one listed without a parent, whatever adapters are loaded', async () => {
    const s = await server();
    await adaptersOf(s).use({ name: 'exp_1', path: '/m/1' });
    assert.equal(await servedBaseModel(s.url), 'base');
  });
});
