/**
 * Generation and eval shards with `inference: "openai"` against `star serve` (real HTTP, a child
 * process): the same kept examples and accuracy as the embedded path for the same seed, saved
 * chunks reused on resume, a refused request and a wrong URL failing non-retryably with the cause.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { parseExperimentInputOrThrow, type ExperimentInput, type ExperimentOptions } from '../../contracts/experiment-input';
import { doneUriOf, iterationLayout } from '../../contracts/layout';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';
import { startServe, type ServeProcess } from './helpers';

void describe('generation and eval shards through an OpenAI-compatible server', { timeout: 300_000 }, () => {
  let root: string;
  let baseModel: string;
  let baseConfig: string;
  let serve: ServeProcess;
  const acts = createActivities({ chunkSize: 4 });

  before(async () => {
    root = scratchDir('openai-shards');
    baseModel = await tinyBaseModel();
    baseConfig = writeBaseConfig(root);
    serve = await startServe(baseModel);
  });
  after(async () => {
    await serve?.process.stop();
  });

  const optionsFor = (overrides: Partial<ExperimentInput>): ExperimentOptions =>
    parseExperimentInputOrThrow(tinyExperiment('oai', root, baseModel, baseConfig, { temperature: 0.7, topP: 0.95, ...overrides }));
  const openai = (extra: Partial<ExperimentInput> = {}) =>
    optionsFor({ inference: 'openai', inferenceUrl: serve.url, inferenceConcurrency: 3, ...extra });

  async function generate(options: ExperimentOptions, folder: string, K = 2) {
    const it = iterationLayout(join(root, folder), 'oai', 1);
    const shards = await Promise.all(
      Array.from({ length: K }, (_, shard) =>
        acts.generateShard({
          options,
          datasetDir: '',
          iteration: 1,
          shard,
          shards: K,
          checkpointUri: baseModel,
          outputUri: it.generateShard(shard, K),
        }),
      ),
    );
    const merged = await acts.mergeGeneration({
      options,
      iteration: 1,
      shardUris: shards.map((s) => s.outputUri),
      keptTextUri: it.keptText,
      manifestUri: it.done.generate,
    });
    return { counts: merged.counts, text: readFileSync(it.keptText, 'utf8'), layout: it };
  }

  void it('keeps the same examples, with the same text, as the embedded sampler', async () => {
    const embedded = await generate(optionsFor({}), 'embedded', 3);
    const viaServer = await generate(openai(), 'openai', 2);
    assert.ok(
      embedded.counts.kept > 0 && embedded.counts.hinted > 0,
      `the tiny model keeps some and fails some: ${JSON.stringify(embedded.counts)}`,
    );
    assert.deepEqual(viaServer.counts, embedded.counts);
    assert.equal(viaServer.text, embedded.text);
  });

  void it('evaluates to the same accuracy as the embedded sampler', async () => {
    const evalWith = async (options: ExperimentOptions, folder: string) => {
      const it = iterationLayout(join(root, folder), 'oai', 1);
      return (
        await acts.evalShard({
          options,
          datasetDir: '',
          iteration: 1,
          shard: 0,
          shards: 1,
          checkpointUri: baseModel,
          outputUri: it.evalShard(0, 1),
        })
      ).tally;
    };
    const embedded = await evalWith(optionsFor({}), 'embedded');
    assert.deepEqual(await evalWith(openai(), 'openai'), embedded);
  });

  void it('evaluates at evalTemperature when it is set, through either sampler', async () => {
    const evalWith = async (options: ExperimentOptions, folder: string) => {
      const it = iterationLayout(join(root, folder), 'oai', 1);
      return (
        await acts.evalShard({
          options,
          datasetDir: '',
          iteration: 1,
          shard: 0,
          shards: 1,
          checkpointUri: baseModel,
          outputUri: it.evalShard(0, 1),
        })
      ).tally;
    };
    const cold = await evalWith(optionsFor({ temperature: 0.01 }), 'eval-cold');
    assert.deepEqual(await evalWith(optionsFor({ evalTemperature: 0.01 }), 'eval-embedded-cold'), cold);
    const seen = serve.process.output().length;
    assert.deepEqual(await evalWith(openai({ evalTemperature: 0.01 }), 'eval-openai-cold'), cold);
    const requests = serve.process
      .output()
      .slice(seen)
      .split('\n')
      .filter((line) => line.includes('completions:'));
    assert.ok(requests.length > 0, 'the eval sent its prompts to the server');
    assert.ok(
      requests.every((line) => line.endsWith('temperature 0.01')),
      `every eval request at evalTemperature 0.01, not the generation temperature 0.7:\n${requests.join('\n')}`,
    );
  });

  void it('keeps the same examples as the embedded sampler with completionStop, streamed and cut by the client', async () => {
    const completionStop = { repeatedLines: 2, repeatedTail: 8 };
    const embedded = await generate(optionsFor({ completionStop }), 'embedded-stop', 3);
    const viaServer = await generate(openai({ completionStop }), 'openai-stop', 2);
    const without = await generate(optionsFor({}), 'embedded-free', 3);
    assert.notEqual(embedded.text, without.text, "the rule cuts some of the tiny model's completions");
    assert.deepEqual(viaServer.counts, embedded.counts);
    assert.equal(viaServer.text, embedded.text);
  });

  void it('resumes after the chunks an earlier attempt saved', async () => {
    const options = openai();
    const it = iterationLayout(join(root, 'openai'), 'oai', 1);
    const shard = it.generateShard(0, 2);
    const chunk = join(shard.replace(/\.json$/, '.chunks'), 'chunk-0.json');
    // An attempt that crashed after its first chunk (of 4 examples; the shard has 6).
    rmSync(shard);
    rmSync(doneUriOf(shard));
    rmSync(join(shard.replace(/\.json$/, '.chunks'), 'chunk-4.json'));
    const saved = JSON.parse(readFileSync(chunk, 'utf8')) as { result: { kept: { text: string }[]; counts: unknown } };
    saved.result.kept = [{ ...saved.result.kept[0], exampleId: 'marker', text: 'from the saved chunk' } as never];
    writeFileSync(chunk, JSON.stringify(saved));
    const before = serve.process.output().split('completions:').length;
    await acts.generateShard({ options, datasetDir: '', iteration: 1, shard: 0, shards: 2, checkpointUri: baseModel, outputUri: shard });
    const output = JSON.parse(readFileSync(shard, 'utf8')) as { kept: { text: string }[] };
    assert.ok(
      output.kept.some((k) => k.text === 'from the saved chunk'),
      'the saved chunk was used, not recomputed',
    );
    assert.ok(serve.process.output().split('completions:').length > before, 'the chunk after it was sampled through the server');
  });

  void it('fails non-retryably, naming the field, when the server refuses a request', async () => {
    const it = iterationLayout(join(root, 'refused'), 'oai', 1);
    const err = await acts
      .generateShard({
        options: openai({ temperature: 3 }),
        datasetDir: '',
        iteration: 1,
        shard: 0,
        shards: 1,
        checkpointUri: baseModel,
        outputUri: it.generateShard(0, 1),
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure && err.nonRetryable, String(err));
    assert.match(err.message, /generation shard 0 of 1 \(iteration 1\): POST .* answered HTTP 400: temperature: /);
  });

  void it('fails non-retryably, naming the URL, when no server listens there', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as { port: number }).port}/v1`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const it = iterationLayout(join(root, 'unreachable'), 'oai', 1);
    const err = await acts
      .evalShard({
        options: openai({ inferenceUrl: url, inferenceRetrySeconds: 1 }),
        datasetDir: '',
        iteration: 1,
        shard: 0,
        shards: 1,
        checkpointUri: baseModel,
        outputUri: it.evalShard(0, 1),
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure && err.nonRetryable, String(err));
    assert.ok(err.message.includes(`could not reach the inference server at ${url}/models`), err.message);
  });
});
