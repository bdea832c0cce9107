/**
 * `serveLoraAdapters` from a shard's side: the input check, the trainer config check, what a shard
 * asks its host for (the base model's server, iteration i's adapter named `{experiment}_{i}`, the
 * experiment's log folder), the model its requests name, and its input key.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loraSavingProblem, loraServing } from '../../activities/lora-serving';
import { shardSampling } from '../../activities/shard-sampler';
import type { ActivityDeps } from '../../activities/deps';
import type { ShardInput } from '../../contracts/activities';
import { parseExperimentInput, parseExperimentInputOrThrow, type ExperimentInput } from '../../contracts/experiment-input';
import type { ServeRequest } from '../../host/inference-servers';
import { LoraAdapters } from '../../host/lora-adapters';
import { arithmeticTask } from '../../core';
import type { SampledPass } from '../../activities/simulated-sampler';
import { startLoraServer, type LoraServer } from '../distributed/fixtures/lora-server';

const lora: ExperimentInput = {
  experiment: 'exp',
  task: 'arithmetic',
  trainer: 'command',
  hosts: ['gpu-0'],
  inference: 'openai',
  serveCommandTemplate: 'vllm serve {checkpoint} --port {port} --host {host} --enable-lora',
  serveLoraAdapters: true,
  baseModelLocation: '/models/base',
  baseConfig: 'configs/hf_lora_smollm2.json',
};
const ROOT = 'file:///runs';

function shardOf(input: ExperimentInput, iteration: number, pass: 'generate' | 'eval', checkpointUri: string): ShardInput {
  return {
    options: parseExperimentInputOrThrow(input),
    datasetDir: '',
    iteration,
    shard: 0,
    shards: 1,
    checkpointUri,
    outputUri: `${ROOT}/exp/iterations/${iteration}/${pass}/shard-0-of-1.json`,
  };
}

void describe('serveLoraAdapters', () => {
  void it('is refused without a server the hosts start, without the command trainer, and with inferenceModelTemplate', () => {
    const result = parseExperimentInput({
      ...lora,
      serveCommandTemplate: undefined,
      inferenceUrl: 'http://127.0.0.1:8000/v1',
      trainer: 'embedded',
      inferenceModelTemplate: '{experiment}_{iteration}',
    });
    assert.equal(result.ok, false);
    const messages = result.ok ? [] : result.problems.filter((p) => p.field === 'serveLoraAdapters').map((p) => p.expected);
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages.join('\n'), /needs inference "openai" with serveCommandTemplate/);
    assert.match(messages.join('\n'), /needs trainer "command".*"save": "adapter"/);
    assert.match(messages.join('\n'), /drop inferenceModelTemplate/);
    assert.equal(parseExperimentInput(lora).ok, true);
  });

  void it('needs a base trainer config that saves adapters unmerged, and a per-checkpoint server one that does not', () => {
    const options = parseExperimentInputOrThrow(lora);
    assert.equal(loraSavingProblem(options, { lora: { r: 8, save: 'adapter' } }), undefined);
    assert.match(loraSavingProblem(options, { lora: { r: 8 } }) ?? '', /does not save adapters.*"save": "adapter"/);
    assert.match(loraSavingProblem(options, { lora: null }) ?? '', /does not save adapters/);
    const perCheckpoint = parseExperimentInputOrThrow({ ...lora, serveLoraAdapters: false });
    assert.match(loraSavingProblem(perCheckpoint, { lora: { save: 'adapter' } }) ?? '', /set serveLoraAdapters to true/);
    assert.equal(loraSavingProblem(perCheckpoint, { lora: { save: 'merged' } }), undefined);
  });

  void it("names iteration i's adapter {experiment}_{i} from its checkpoint folder, on the base model's server; the base has none", () => {
    const options = parseExperimentInputOrThrow(lora);
    const pass = `${ROOT}/exp/iterations/2/eval`;
    assert.deepEqual(loraServing(options, 2, `${ROOT}/exp/models/exp_2/step_6`, pass), {
      serverCheckpointUri: '/models/base',
      adapter: { name: 'exp_2', path: '/runs/exp/models/exp_2/step_6' },
      logDir: `${ROOT}/exp`,
      lingerMs: 60 * 60_000,
    });
    assert.equal(loraServing(options, 0, '/models/base', `${ROOT}/exp/iterations/0/eval`).adapter, undefined);
  });

  void it('changes the shard key only when on', () => {
    const keyOf = (input: ExperimentInput) => shardSampling({} as ActivityDeps, shardOf(input, 1, 'generate', '/models/base'), 0).key;
    assert.equal(keyOf({ ...lora, serveLoraAdapters: false }).serveLoraAdapters, undefined);
    assert.equal(keyOf(lora).serveLoraAdapters, true);
  });

  void describe('a shard sampling through its host', () => {
    let server: LoraServer;
    let adapters: LoraAdapters;
    const asked: ServeRequest[] = [];
    after(() => server.close());

    /** The host's side in small: the adapter loaded into the one server, as host/inference-servers.ts does. */
    async function deps(): Promise<ActivityDeps> {
      server ??= await startLoraServer();
      adapters ??= new LoraAdapters(server.url, () => undefined);
      return {
        servers: {
          acquire: async (request) => {
            asked.push(request);
            const release = request.adapter ? await adapters.use(request.adapter) : () => undefined;
            return { url: server.url, release };
          },
        },
      } as ActivityDeps;
    }

    async function sampleOnce(
      iteration: number,
      modelIteration: number,
      pass: 'generate' | 'eval',
      checkpointUri: string,
    ): Promise<string[]> {
      const sampling = shardSampling(await deps(), shardOf(lora, iteration, pass, checkpointUri), modelIteration);
      return sampling.run((sample) => sample([{ prompt: '1 + 1 =', seed: 1 }]), { task: arithmeticTask } as unknown as SampledPass);
    }

    void it("names the base for iteration 0 and iteration i's adapter after, all on the base model's server", async () => {
      assert.deepEqual(await sampleOnce(0, 0, 'eval', '/models/base'), [' 1']);
      await sampleOnce(1, 0, 'generate', '/models/base');
      await sampleOnce(1, 1, 'eval', `${ROOT}/exp/models/exp_1/step_4`);
      await sampleOnce(2, 1, 'generate', `${ROOT}/exp/models/exp_1/step_4`);
      await sampleOnce(2, 2, 'eval', `${ROOT}/exp/models/exp_2/step_5`);
      assert.deepEqual(server.events, [
        'complete base',
        'complete base',
        'load exp_1 /runs/exp/models/exp_1/step_4',
        'complete exp_1',
        'complete exp_1',
        'unload exp_1',
        'load exp_2 /runs/exp/models/exp_2/step_5',
        'complete exp_2',
      ]);
      assert.deepEqual(new Set(asked.map((r) => r.checkpointUri)), new Set(['/models/base']), 'one server: the base model');
      assert.deepEqual(new Set(asked.map((r) => r.logDir)), new Set([`${ROOT}/exp`]), 'its log is the experiment’s');
    });
  });
});
