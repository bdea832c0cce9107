/**
 * Each request states the penalties and cut-offs a server would otherwise default (llama.cpp's
 * repeat_penalty 1.1, top_k 40, min_p 0.05), in the field names of the server kind, with
 * inferenceExtraBody over them; a fake server records what it was sent.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { resolveExperimentInput } from '../../cli/experiment-input';
import { parseExperimentInput, parseExperimentInputOrThrow } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { CompletionsClient } from '../../inference/completions-client';
import { serverSamplingFields } from '../../inference/server-sampling-fields';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { recordingCompletionsServer } from '../helpers/recording-completions-server';

const settings = { model: 'm', maxTokens: 8, temperature: 0.01, topP: 0.9, stop: ['\n'] };
const BASE_BODY = { model: 'm', prompt: 'Q: 3 + 4?\nA:', max_tokens: 8, temperature: 0.01, top_p: 0.9, stop: ['\n'], seed: 5 };

void describe('sampling fields stated to each server kind', () => {
  const { server, bodies } = recordingCompletionsServer(' 7\n');
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  const sentFor = async (extraFields: Record<string, unknown>) => {
    bodies.length = 0;
    const client = new CompletionsClient({ url, concurrency: 1, promptsPerRequest: 1 });
    await client.complete([{ prompt: BASE_BODY.prompt, seed: 5 }], { ...settings, extraFields });
    return bodies[0];
  };

  void it('tells llama.cpp no repeat penalty, no top_k and no min_p, in its own field names', async () => {
    assert.deepEqual(await sentFor(serverSamplingFields('llama.cpp')), {
      ...BASE_BODY,
      presence_penalty: 0,
      frequency_penalty: 0,
      repeat_penalty: 1,
      top_k: 0,
      min_p: 0,
    });
  });

  void it('tells vLLM the same in its field names, top_k -1 being off there', async () => {
    assert.deepEqual(await sentFor(serverSamplingFields('vllm')), {
      ...BASE_BODY,
      presence_penalty: 0,
      frequency_penalty: 0,
      repetition_penalty: 1,
      top_k: -1,
      min_p: 0,
    });
  });

  void it('tells transformers serve to sample, with no top_k and no repetition penalty, in the generation config it takes', async () => {
    const body = await sentFor(serverSamplingFields('transformers'));
    assert.deepEqual(Object.keys(body).sort(), [...Object.keys(BASE_BODY), 'generation_config'].sort());
    assert.deepEqual(JSON.parse(body.generation_config as string), { do_sample: true, top_k: 0, min_p: 0, repetition_penalty: 1 });
  });

  void it('sends servers that refuse unknown fields nothing beyond temperature and top_p', async () => {
    assert.deepEqual(await sentFor(serverSamplingFields('star')), BASE_BODY);
    assert.deepEqual(await sentFor(serverSamplingFields('generic')), BASE_BODY);
  });

  void it('lets inferenceExtraBody set server fields over the neutral ones', async () => {
    assert.deepEqual(await sentFor(serverSamplingFields('llama.cpp', { repeat_penalty: 1.1, mirostat: 0 })), {
      ...BASE_BODY,
      presence_penalty: 0,
      frequency_penalty: 0,
      repeat_penalty: 1.1,
      top_k: 0,
      min_p: 0,
      mirostat: 0,
    });
  });

  void it('takes the server kind and a JSON inferenceExtraBody from --set', () => {
    const { options } = resolveExperimentInput({
      sets: [
        'inference=openai',
        'inferenceUrl=http://127.0.0.1:8000',
        'inferenceServer=llama.cpp',
        'inferenceExtraBody={"repeat_penalty":1.1}',
      ],
    });
    assert.deepEqual([options.inferenceServer, options.inferenceExtraBody], ['llama.cpp', { repeat_penalty: 1.1 }]);
  });

  void it('refuses an inferenceExtraBody that sets what the project sets, naming the option to use', () => {
    const parsed = parseExperimentInput({
      experiment: 'x',
      task: 'arithmetic',
      inference: 'openai',
      inferenceUrl: 'http://127.0.0.1:8000',
      inferenceExtraBody: { temperature: 0.5 },
    });
    assert.equal(parsed.ok, false);
    assert.deepEqual(!parsed.ok && parsed.problems.map((p) => [p.field, p.expected]), [
      ['inferenceExtraBody.temperature', 'inferenceExtraBody may not set "temperature": it is set from temperature'],
    ]);
  });

  void it("states the fields in every request an eval shard sends, so the server's defaults cannot leak in", async () => {
    const root = scratchDir('server-fields');
    const options = parseExperimentInputOrThrow(
      tinyExperiment('fields', root, join(root, 'unused-model'), writeBaseConfig(root), {
        inference: 'openai',
        inferenceUrl: url,
        inferenceServer: 'llama.cpp',
        inferenceExtraBody: { min_p: 0.02 },
      }),
    );
    bodies.length = 0;
    const layout = iterationLayout(root, 'fields', 0);
    await createActivities({ chunkSize: 4 }).evalShard({
      options,
      datasetDir: '',
      iteration: 0,
      shard: 0,
      shards: 1,
      checkpointUri: join(root, 'unused-model'),
      outputUri: layout.evalShard(0, 1),
    });
    assert.equal(bodies.length, 12, 'one request per dev problem');
    for (const body of bodies)
      assert.deepEqual([body.repeat_penalty, body.top_k, body.min_p, body.presence_penalty, body.frequency_penalty], [1, 0, 0.02, 0, 0]);
  });
});
