/**
 * One vLLM server for a whole experiment (`serveLoraAdapters`, `npm run test:llm` when
 * `scripts/setup-vllm.sh` has been run; skipped otherwise): the larger-number-smollm2-vllm-lora
 * preset's server and trainer on the tiny Llama of scripts/make-tiny-lm.ts, two iterations of tiny
 * arithmetic with a base eval, one host worker. The trainer saves each iteration's LoRA adapter
 * unmerged; the host loads it into the server started once on the base, and the server's own log
 * shows one process throughout, each adapter loaded and the older one removed. A random model answers
 * ~nothing right, so the records start with worked examples (as in test-llm/experiment.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { describe, it, type TestContext } from 'node:test';
import { arithmeticProblems, arithmeticWorkedExample, joinSavedExamples } from '../core';
import { servedCheckpoint } from '../host/served-checkpoint';
import { makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { normaliseRoot } from '../storage';
import type { ExperimentInput } from '../contracts/experiment-input';
import { experimentLayout, iterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { starExperiment } from '../workflows/star-experiment';
import { waitUntil } from '../test-support/processes';
import { uniqueExperiment } from '../test-support/temporal';
import { projectHostSuite } from './helpers/project-host';
import { scratchDir } from '../test-support/experiment-input';

const PRESET = JSON.parse(
  readFileSync(join(ROOT, 'configs', 'presets', 'larger-number-smollm2-vllm-lora.json'), 'utf8'),
) as ExperimentInput & {
  serveCommandTemplate: string;
  baseConfig: string;
};
/** The per-checkpoint preset's server: no LoRA. */
const PLAIN_SERVE = (
  JSON.parse(readFileSync(join(ROOT, 'configs', 'presets', 'larger-number-smollm2-vllm.json'), 'utf8')) as { serveCommandTemplate: string }
).serveCommandTemplate;
const vllmPython = join(process.env.STAR_VLLM_VENV ?? join(ROOT, '.tools', 'vllm-venv'), 'bin', 'python');
const skip = existsSync(vllmPython) ? false : 'the vLLM venv is not set up: run `bash scripts/setup-vllm.sh` once (about 6 GB)';
const DEV_PER_DIGIT = 3;

void describe(
  'one vLLM server for a whole experiment, each iteration’s LoRA adapter loaded at run time',
  { skip, timeout: 40 * 60_000 },
  () => {
    const dir = scratchDir('vllm-lora');
    const root = join(dir, 'runs');
    const tiny = join(dir, 'tiny-lm');
    const hostName = `lora-${process.pid}`;
    const hostEnv = { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
    // The preset's --max-model-len 1024 must fit the model's context.
    const suite = projectHostSuite(dir, hostName, {
      environment: hostEnv,
      prepare: () => makeTinyLm(tiny, ['--arch', 'llama', '--positions', '1024']),
    });

    /** The preset's LoRA config (adapters saved unmerged) with what a tiny model takes a few steps of. */
    function writeBaseConfig(save: 'adapter' | 'merged'): string {
      const preset = JSON.parse(readFileSync(join(ROOT, PRESET.baseConfig), 'utf8')) as { lora: object };
      const base = {
        ...preset,
        lora: { ...preset.lora, r: 8, alpha: 16, save },
        lr: 3e-3,
        end_lr: 3e-3,
        per_replica_batch: 4,
        ckpt_every: 5,
      };
      const path = join(dir, `lora-${save}.json`);
      writeFileSync(path, JSON.stringify(base));
      return path;
    }

    function seedRecords(exp: string): void {
      const folder = join(root, exp, 'records', `${exp}_0`);
      mkdirSync(folder, { recursive: true });
      const examples = arithmeticProblems({ digits: [1], countPerDigit: 8, seed: 5 }).map(
        (p) => `${arithmeticWorkedExample(p.question)}<|endoftext|>`,
      );
      writeFileSync(join(folder, 'seed_0.txt'), joinSavedExamples(examples));
    }

    /** The tiny experiment both ways: LoRA adapters loaded into one server, or merged and a server per checkpoint. */
    function inputFor(exp: string, adapters: boolean): ExperimentInput {
      seedRecords(exp);
      // Eager: no compile and warm-up at a start (the test asserts the mechanics, not speed).
      const serve = adapters ? PRESET.serveCommandTemplate : PLAIN_SERVE;
      return {
        experiment: exp,
        task: 'arithmetic',
        storageRoot: root,
        nIters: 3,
        baseEval: true,
        nTrainSamples: 4,
        rationalize: true,
        genLength: 16,
        gradientAccumulationSteps: 1,
        steadyGrow: true,
        startSteps: 2,
        addSteps: 1,
        copyN: 2,
        arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 4, devPerDigit: DEV_PER_DIGIT },
        baseModelLocation: tiny,
        baseConfig: writeBaseConfig(adapters ? 'adapter' : 'merged'),
        trainer: 'command',
        hosts: [hostName],
        commandTemplate: PRESET.commandTemplate,
        inference: 'openai',
        inferenceServer: 'vllm',
        serveCommandTemplate: `${serve} --enforce-eager`,
        serveStartTimeoutSeconds: 1800,
        serveLoraAdapters: adapters,
        inferenceConcurrency: 4,
      };
    }

    async function run(input: ExperimentInput, t: TestContext) {
      const started = Date.now();
      const load = loadavg().map((n) => n.toFixed(1));
      const handle = await suite.env.client.workflow.start(starExperiment, {
        taskQueue: suite.worker.taskQueue,
        workflowId: input.experiment,
        args: [input],
      });
      const result = await handle.result();
      // The figure docs/inference-servers.md quotes, with the machine's load beside it.
      t.diagnostic(
        `${input.serveLoraAdapters ? 'one server, adapters loaded' : 'a server per checkpoint'}: ${((Date.now() - started) / 1000).toFixed(0)} s ` +
          `(load average ${load.join(' ')} at the start, ${loadavg()
            .map((n) => n.toFixed(1))
            .join(' ')} at the end)`,
      );
      return result;
    }

    void it('keeps one server process from the base eval through both iterations; its log shows each adapter loaded', async (t) => {
      const exp = uniqueExperiment('lora');
      const result = await run(inputFor(exp, true), t);
      assert.equal(result.outcome, 'finished', JSON.stringify(result));
      if (result.outcome !== 'finished') return;
      assert.deepEqual(
        result.metrics.map((m) => m.iteration),
        [1, 2],
      );

      const rootUri = normaliseRoot(root);
      const local = (uri: string) => servedCheckpoint(uri);
      for (const iteration of [0, 1, 2]) {
        const saved = JSON.parse(readFileSync(local(iterationLayout(rootUri, exp, iteration).metrics), 'utf8')) as IterationMetrics;
        assert.equal(
          saved.accuracy?.['1']?.total,
          DEV_PER_DIGIT,
          `iteration ${iteration}'s model evaluated every dev question through vLLM`,
        );
      }
      for (const row of result.metrics) {
        const checkpoint = local(row.checkpointUri);
        assert.ok(existsSync(join(checkpoint, 'adapter_config.json')), `${checkpoint} holds the adapter`);
        assert.ok(!existsSync(join(checkpoint, 'model.safetensors')), `${checkpoint} holds no merged weights`);
      }

      const logFile = local(`${experimentLayout(rootUri, exp).dir}/serve-${hostName}.log`);
      const loaded = (name: string) => new RegExp(`Loaded new LoRA adapter: name '${name}'`);
      // The log is written every few seconds; the server itself lingers (it would serve a next iteration).
      await waitUntil(
        () => existsSync(logFile) && loaded(`${exp}_2`).test(readFileSync(logFile, 'utf8')),
        60_000,
        'the server log to show the last adapter',
      );
      const log = readFileSync(logFile, 'utf8');
      const starts = [...log.matchAll(/: serving (\S+) on port \d+/g)].map((m) => m[1]);
      assert.deepEqual(starts, [tiny], `one start, on the base model:\n${log.slice(-3000)}`);
      const pids = new Set([...log.matchAll(/\(APIServer pid=(\d+)\)/g)].map((m) => m[1]));
      assert.equal(pids.size, 1, `one server process wrote the log: ${[...pids].join(', ')}`);
      const groups = new Set([...log.matchAll(/LoRA adapter \S+ .*\(process group (\d+)\)$/gm)].map((m) => m[1]));
      assert.deepEqual([...groups], [...pids], 'the host loaded both adapters into that process');
      for (const iteration of [1, 2]) assert.match(log, loaded(`${exp}_${iteration}`), `vLLM loaded iteration ${iteration}'s adapter`);
      assert.match(
        log,
        new RegExp(`Removed LoRA adapter: name '${exp}_1'`),
        "iteration 1's adapter was unloaded once iteration 2's was loaded",
      );
      assert.ok(log.indexOf(`name '${exp}_1'`) < log.indexOf(`name '${exp}_2'`), 'the adapters were loaded in iteration order');
    });

    void it(
      'times the same experiment with a server per checkpoint, the adapters merged (STAR_LORA_COMPARE=1)',
      { skip: process.env.STAR_LORA_COMPARE ? false : 'set STAR_LORA_COMPARE=1 to time the per-checkpoint path too' },
      async (t) => {
        const exp = uniqueExperiment('merged');
        const result = await run(inputFor(exp, false), t);
        assert.equal(result.outcome, 'finished', JSON.stringify(result));
        const logs = [0, 1, 2].flatMap((i) =>
          ['generate', 'eval'].map((pass) =>
            join(servedCheckpoint(iterationLayout(normaliseRoot(root), exp, i).work), pass, `serve-${hostName}.log`),
          ),
        );
        await waitUntil(() => !existsSync(join(dir, 'host-state', `host-${hostName}.server.json`)), 120_000, 'the last server to stop');
        const starts = logs
          .filter((file) => existsSync(file))
          .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/: serving \S+ on port/g)]);
        t.diagnostic(`${starts.length} server starts`);
        assert.ok(starts.length >= 3, `a server for the base and for each iteration's model (${starts.length})`);
      },
    );
  },
);
