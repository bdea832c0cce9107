/**
 * The real-model test bed (`npm run test:llm`, not part of `npm test`): a tiny Hugging Face causal LM
 * built here from local text, served by `transformers serve`, fine-tuned by the Hugging Face trainer
 * command of the `-hf` presets on JSONL written by the records step, then served again from its
 * checkpoint; the trainer SIGKILLed mid-run resumes to the same final step and weights.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../activities';
import { arithmeticProblems, arithmeticWorkedExample, joinSavedExamples } from '../core';
import { completedCheckpoint, finalCheckpointUri } from '../host/final-checkpoint';
import { llmPython, makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { parseExperimentInputOrThrow } from '../contracts/experiment-input';
import { scratchDir } from '../test-support/experiment-input';
import { CompletionsClient } from '../inference/completions-client';
import { serverSamplingFields } from '../inference/server-sampling-fields';
import { complete, startTransformersServe, type Completion, type RunningServer } from './helpers/openai-server';
import { presetCommandTemplate, startTrainer } from './helpers/trainer-command';

const python = llmPython();
const TOTAL_STEPS = 60;
const SAVE_EVERY = 10;
const EXPERIMENT = 'tinyhf';

void describe('a real Hugging Face model: served, fine-tuned by the trainer command, served again', () => {
  const root = scratchDir('llm');
  const tiny = join(root, 'tiny-lm');
  const acts = createActivities();
  const servers: RunningServer[] = [];
  let configPath = '';

  before(async () => {
    assert.ok(existsSync(python), `${python} does not exist: run \`bash scripts/setup-llm.sh\` (npm run test:llm does)`);
    makeTinyLm(tiny);
    configPath = await writeIterationFiles();
  });

  after(async () => {
    for (const server of servers) await server.stop();
  });

  /** Kept text of iteration 1's generation, then the real records and config steps on it. */
  async function writeIterationFiles(): Promise<string> {
    const options = parseExperimentInputOrThrow({
      experiment: EXPERIMENT,
      task: 'arithmetic',
      storageRoot: root,
      trainer: 'command',
      hosts: ['local'],
      baseModelLocation: tiny,
      baseConfig: join(ROOT, 'configs', 'hf_base.json'),
      steadyGrow: true,
      startSteps: TOTAL_STEPS,
      commandTemplate: presetCommandTemplate('commonsenseqa-hf'),
    });
    const kept = arithmeticProblems({ digits: [1, 2], countPerDigit: 24, seed: 3 }).map(
      (p) => `${arithmeticWorkedExample(p.question)}<|endoftext|>`,
    );
    const recordFolder = join(root, EXPERIMENT, 'records', `${EXPERIMENT}_0`);
    mkdirSync(recordFolder, { recursive: true });
    writeFileSync(join(recordFolder, `${EXPERIMENT}_0.txt`), joinSavedExamples(kept));
    // The preset's base config with settings a 150k-parameter model learns something from in a few steps.
    const base = {
      ...(JSON.parse(readFileSync(join(ROOT, 'configs', 'hf_base.json'), 'utf8')) as object),
      lr: 3e-3,
      end_lr: 3e-3,
      warmup_steps: 2,
      per_replica_batch: 4,
      gradient_accumulation_steps: 1,
      ckpt_every: SAVE_EVERY,
      seq: 256,
    };
    const baseConfig = join(root, 'base.json');
    writeFileSync(baseConfig, JSON.stringify(base));
    const indexUri = join(root, EXPERIMENT, `${EXPERIMENT}_1.index`);
    const work = join(root, EXPERIMENT, 'iterations', '1');
    await acts.writeRecords({
      options,
      iteration: 1,
      recordFolder,
      recordsPrefix: recordFolder,
      trainerConfigUri: baseConfig,
      indexUri,
      manifestUri: join(work, 'records.done.json'),
    });
    const config = await acts.writeIterationConfig({
      options,
      iteration: 1,
      previousConfigUri: baseConfig,
      configUri: join(root, EXPERIMENT, 'configs', `${EXPERIMENT}_1.json`),
      manifestUri: join(work, 'config.done.json'),
      examples: kept.length,
      indexUri,
      modelDir: join(root, EXPERIMENT, 'models', `${EXPERIMENT}_1`),
      targetSave: join(root, EXPERIMENT, 'records', `${EXPERIMENT}_1`, `${EXPERIMENT}_1.txt`),
    });
    assert.equal(config.totalSteps, TOTAL_STEPS);
    return config.configUri;
  }

  /**
   * The project's requests (inferenceServer "transformers") sample at a temperature above 0 and decode
   * greedily at 0, whatever the model's generation_config.json says: the tiny model's has no do_sample,
   * with which transformers serve decodes greedily at any temperature.
   */
  async function assertSamples(server: RunningServer): Promise<void> {
    const generationConfig = JSON.parse(readFileSync(join(tiny, 'generation_config.json'), 'utf8')) as { do_sample?: boolean };
    assert.notEqual(generationConfig.do_sample, true, "the case under test: the model's own config does not sample");
    const client = new CompletionsClient({ url: server.baseUrl, concurrency: 1, promptsPerRequest: 1 });
    const prompts = [1, 2, 3, 4, 5, 6].map((seed) => ({ prompt: 'Input:\n2 + 3\nTarget:', seed }));
    const texts = (temperature: number) =>
      client.complete(prompts, {
        model: server.model,
        maxTokens: 12,
        temperature,
        topP: 1,
        stop: ['</scratch>'],
        extraFields: serverSamplingFields('transformers'),
      });
    const sampled = await texts(1);
    assert.ok(new Set(sampled).size > 1, `six seeds at temperature 1 gave one text: ${JSON.stringify(sampled)}`);
    assert.deepEqual(await texts(1), sampled, 'the same seeds give the same samples');
    const greedy = await texts(0);
    assert.equal(new Set(greedy).size, 1, `temperature 0 is greedy: ${JSON.stringify(greedy)}`);
  }

  async function assertServes(modelDir: string): Promise<void> {
    const server = await startTransformersServe(python, modelDir);
    servers.push(server);
    const models = (await (await fetch(`${server.baseUrl}/v1/models`)).json()) as { data: { id: string }[] };
    assert.ok(
      models.data.some((m) => m.id === modelDir),
      `GET /v1/models lists ${modelDir}: ${JSON.stringify(models)}`,
    );
    for (const [k, prompt] of ['Input:\n2 + 3\nTarget:', 'Input:\n4 5 + 6 7\nTarget:', 'Q: Where?\nA:'].entries()) {
      const { status, json } = await complete(server, { prompt, max_tokens: 16, temperature: 0, seed: k, stop: ['</scratch>'] });
      assert.equal(status, 200, `POST /v1/completions answered ${status}: ${JSON.stringify(json)}`);
      const answer = json as Completion;
      assert.equal(answer.object, 'text_completion');
      assert.equal(answer.choices.length, 1);
      assert.equal(typeof answer.choices[0]?.text, 'string');
      assert.ok(
        ['stop', 'length'].includes(answer.choices[0]?.finish_reason as string),
        `finish_reason ${answer.choices[0]?.finish_reason}`,
      );
      assert.ok(
        answer.usage.completion_tokens >= 1 && answer.usage.completion_tokens <= 16,
        `completion_tokens ${answer.usage.completion_tokens}`,
      );
    }
    await assertSamples(server);
    const { status, json } = await complete(server, { prompt: ['a', 'b'], max_tokens: 4 });
    assert.ok(
      status >= 400 && status < 500,
      `a prompt list is refused by transformers serve (as LLM-NOTES measured), got ${status} ${JSON.stringify(json)}`,
    );
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
  }

  void it("passes the trainer package's own tests (pytest in the venv)", () => {
    const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
      cwd: join(ROOT, 'python'),
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1' },
    });
    assert.equal(result.status, 0, `pytest failed:\n${result.stdout}\n${result.stderr}`);
  });

  void it('serves the tiny model with transformers serve and answers completions in the OpenAI shape', async () => {
    await assertServes(tiny);
  });

  void it("fine-tunes it with the -hf presets' trainer command to model_dir/step_{total_steps}, which a new server serves", async () => {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { model_dir: string; train_jsonl: string };
    assert.ok(existsSync(config.train_jsonl), 'the records step wrote the JSONL the config names');
    const run = await startTrainer({
      template: presetCommandTemplate('gsm-hf'),
      configPath,
      baseModel: tiny,
      modelDir: config.model_dir,
      totalSteps: TOTAL_STEPS,
    });
    const exit = await run.exited;
    assert.equal(exit.code, 0, `the trainer exited with ${JSON.stringify(exit)}:\n${run.lines.slice(-20).join('\n')}`);
    assert.equal(run.steps.step, TOTAL_STEPS, "the host's step parser followed the trainer to its last step");
    const losses = run.lines
      .map((line) => /^step (\d+) loss (\S+)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => Number(m[2]));
    assert.equal(losses.length, TOTAL_STEPS, 'one `step N loss X` line per step');
    assert.ok(losses.at(-1)! < losses[0]! - 1, `the loss falls (${losses[0]} -> ${losses.at(-1)})`);
    assert.equal(
      await completedCheckpoint(config.model_dir, TOTAL_STEPS),
      'meta.json',
      "the host's check sees the final checkpoint complete",
    );
    const final = finalCheckpointUri(config.model_dir, TOTAL_STEPS);
    assert.ok(existsSync(join(final, 'model.safetensors')) && existsSync(join(final, 'tokenizer.json')));
    assert.ok(!existsSync(join(config.model_dir, 'resume')), 'the resume state is removed once the final checkpoint is complete');
    await assertServes(final);
  });

  void it('resumes after a SIGKILL from its last save and ends at the same step with the same weights', async () => {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown> & { model_dir: string };
    const killedDir = join(root, EXPERIMENT, 'models', `${EXPERIMENT}_1_killed`);
    const killedConfig = join(root, 'killed.json');
    writeFileSync(killedConfig, JSON.stringify({ ...config, model_dir: killedDir }));
    const template = presetCommandTemplate('commonsenseqa-hf');
    const killAt = SAVE_EVERY + 2; // the save at SAVE_EVERY is complete before step SAVE_EVERY + 1 is logged

    let killed = false;
    const first = await startTrainer({
      template,
      configPath: killedConfig,
      baseModel: tiny,
      modelDir: killedDir,
      totalSteps: TOTAL_STEPS,
      onLine: (_line, run) => {
        if (!killed && run.steps.step >= killAt) {
          killed = true;
          run.process.killNow();
        }
      },
    });
    const firstExit = await first.exited;
    assert.equal(
      firstExit.signal,
      'SIGKILL',
      `the trainer was to be killed at step ${killAt} but ${JSON.stringify(firstExit)}; it printed:\n${first.lines.slice(-10).join('\n')}`,
    );
    assert.ok(first.steps.step < TOTAL_STEPS, `killed mid-run (at step ${first.steps.step})`);
    assert.ok(
      readdirSync(join(killedDir, 'resume')).some((name) => name.startsWith('checkpoint-')),
      'a save to resume from',
    );

    const second = await startTrainer({
      template,
      configPath: killedConfig,
      baseModel: tiny,
      modelDir: killedDir,
      totalSteps: TOTAL_STEPS,
    });
    const secondExit = await second.exited;
    assert.equal(
      secondExit.code,
      0,
      `the resumed trainer exited with ${JSON.stringify(secondExit)}:\n${second.lines.slice(-20).join('\n')}`,
    );
    const restored = second.lines.map((line) => /^state will be restored from checkpoint (\d+)$/.exec(line)).find((m) => m !== null);
    assert.ok(restored, `the second run says where it resumes from:\n${second.lines.slice(0, 10).join('\n')}`);
    assert.ok(Number(restored[1]) >= SAVE_EVERY, `resumed from checkpoint ${restored[1]}, not from the start`);
    const firstStepAfter = second.lines.map((line) => /^step (\d+) loss/.exec(line)).find((m) => m !== null);
    assert.equal(Number(firstStepAfter?.[1]), Number(restored[1]) + 1, 'training continues after the restored step');
    assert.equal(second.steps.step, TOTAL_STEPS);
    assert.equal(await completedCheckpoint(killedDir, TOTAL_STEPS), 'meta.json');
    const weights = (dir: string) => readFileSync(join(finalCheckpointUri(dir, TOTAL_STEPS), 'model.safetensors'));
    assert.ok(
      weights(killedDir).equals(weights(config.model_dir)),
      'the resumed run ends with the weights of the uninterrupted run (data order, RNG and optimizer state restored)',
    );
  });
});
