/**
 * A whole STaR experiment trained three ways (`npm run test:llm`): the real `starExperiment` on a
 * Temporal dev server, one iteration of tiny arithmetic on the tiny model of scripts/make-tiny-lm.ts,
 * generation and eval through the -hf presets' `transformers serve` on host 0, and the training step
 * run (0) by one process, (a) by torchrun with 2 processes on one host, (b) by two host workers on this
 * machine acting as two nodes, one process each, at the rendezvous host 0 picks (gloo on CPU).
 *
 * Training: the step batch is the config's in all three, every rank reads the same seeded permutation
 * and the model has no dropout, so the runs differ only in the order of float additions: step losses
 * within 1e-4, final weights within 1e-3 (docs/distributed-training.md; measured 2026-12-06: losses
 * equal to the printed 1e-6, weights 3.8e-6 apart).
 *
 * Generation after training: a weight difference can flip a sampled token only where the sampler sits
 * on a boundary between two tokens, which 4e-6 in the weights makes very unlikely, but possible. What
 * the trained model generates is compared directly: the eval samples at temperature 1 with the
 * request's seed (one request in flight, so the server's seeding is the request's; the preset's
 * inferenceServer "transformers" makes each request ask transformers serve to sample, which the tiny
 * model's generation config does not, and the generation pass keeps temperature 0, greedy). Greedy decoding
 * says nothing here: 6 steps leave the tiny model predicting a blank line first, and the arithmetic
 * stop ends every greedy sample empty. Measured: the three runs' eval samples are the same text, so the
 * test asserts it, and with it the equal metrics rows (kept counts, training examples and steps, dev
 * accuracy per class). A random tiny model keeps nothing and answers nothing right, so those rows
 * agree trivially; the samples, losses and weights are what tell the three runs apart. If a future
 * tiny model ever flips a near-tied token, the sample check fails naming the sample while the weight
 * check still passes: that is sampling, not a training difference.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { servedCheckpoint } from '../host/served-checkpoint';
import { llmPython, makeTinyLm } from '../scripts/make-tiny-lm';
import type { ExperimentInput } from '../contracts/experiment-input';
import { iterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { normaliseRoot } from '../storage';
import { starExperiment } from '../workflows/star-experiment';
import { devServerSuite } from '../test-support/dev-server-suite';
import { scratchDir } from '../test-support/experiment-input';
import { uniqueExperiment } from '../test-support/temporal';
import {
  largestWeightDifference,
  LOSS_TOLERANCE,
  startHostNodes,
  stepLosses,
  TORCHRUN_NODES,
  TORCHRUN_ONE_NODE,
  WEIGHT_TOLERANCE,
} from './helpers/host-nodes';
import { presetCommandTemplate, presetField } from './helpers/trainer-command';
import { seedWorkedRecords, writeTinyBaseConfig } from './helpers/tiny-hf-experiment';

const python = llmPython();

interface Way {
  name: string;
  hosts: string[];
  commandTemplate: string;
  nprocPerNode: number;
}

interface Outcome {
  metrics: IterationMetrics;
  /** The trainer's own final checkpoint folder (local). */
  checkpoint: string;
  /** The step losses host 0's trainer printed (rank 0's: the step's loss over all ranks). */
  losses: Map<number, number>;
  /** The eval pass's samples as saved beside its output: what the trained model generated. */
  evalSamples: unknown;
}

void describe(
  'one STaR experiment trained by 1 process, by 2 processes on one host and by 2 host workers as 2 nodes',
  { timeout: 45 * 60_000 },
  () => {
    const dir = scratchDir('multi-node-exp');
    const tiny = join(dir, 'tiny-lm');
    const root = join(dir, 'runs');
    const hosts = [`node0-${process.pid}`, `node1-${process.pid}`];
    const hostEnv = { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: '1' };

    const suite = devServerSuite({
      prepare: () => {
        assert.ok(existsSync(python), `${python} does not exist: run \`bash scripts/setup-llm.sh\` (npm run test:llm does)`);
        makeTinyLm(tiny);
      },
      alongside: ({ env }) => startHostNodes(env, dir, hosts, { environment: hostEnv, stateDir: join(dir, 'host-state'), serve: true }),
    });

    async function runExperiment(way: Way, baseConfig: string): Promise<Outcome> {
      const exp = uniqueExperiment(way.name);
      seedWorkedRecords(root, exp);
      const input: ExperimentInput = {
        experiment: exp,
        task: 'arithmetic',
        storageRoot: root,
        seed: 0,
        nIters: 2,
        nTrainSamples: 8,
        rationalize: true,
        genLength: 24,
        temperature: 0,
        evalTemperature: 1,
        gradientAccumulationSteps: 1,
        steadyGrow: true,
        startSteps: 6,
        addSteps: 2,
        copyN: 0,
        baseModelLocation: tiny,
        baseConfig,
        shards: 1,
        arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 8, devPerDigit: 6 },
        trainer: 'command',
        hosts: way.hosts,
        commandTemplate: way.commandTemplate,
        nprocPerNode: way.nprocPerNode,
        inference: 'openai',
        serveCommandTemplate: `${presetField('gsm-hf', 'serveCommandTemplate')} --device cpu`,
        inferenceServer: presetField('gsm-hf', 'inferenceServer'),
        inferenceModelTemplate: presetField('gsm-hf', 'inferenceModelTemplate'),
        inferenceBatchPrompts: presetField('gsm-hf', 'inferenceBatchPrompts'),
        inferenceConcurrency: 1,
      };
      const handle = await suite.env.client.workflow.start(starExperiment, {
        taskQueue: suite.worker.taskQueue,
        workflowId: exp,
        args: [input],
      });
      const result = await handle.result();
      assert.equal(result.outcome, 'finished', `${way.name}: ${JSON.stringify(result)}`);
      if (result.outcome !== 'finished') throw new Error('unreachable');
      assert.equal(result.metrics.length, 1, `${way.name}: one iteration`);
      const metrics = result.metrics[0]!;
      const it = iterationLayout(normaliseRoot(root), exp, 1);
      const local = (uri: string) => servedCheckpoint(uri);
      return {
        metrics,
        checkpoint: local(metrics.checkpointUri),
        losses: stepLosses(readFileSync(local(it.hostLog(hosts[0]!)), 'utf8')),
        evalSamples: JSON.parse(readFileSync(local(it.evalShard(0, 1).replace(/\.json$/, '.samples.json')), 'utf8')),
      };
    }

    void it('ends with the same metrics rows, the same eval samples and the same weights, within the tolerance', async () => {
      const baseConfig = writeTinyBaseConfig(dir);
      const ways: Way[] = [
        { name: 'one-process', hosts: [hosts[0]!], commandTemplate: presetCommandTemplate('gsm-hf'), nprocPerNode: 1 },
        { name: 'one-host-2-processes', hosts: [hosts[0]!], commandTemplate: TORCHRUN_ONE_NODE, nprocPerNode: 2 },
        { name: 'two-nodes', hosts, commandTemplate: TORCHRUN_NODES, nprocPerNode: 1 },
      ];
      const outcomes: Outcome[] = [];
      for (const way of ways) outcomes.push(await runExperiment(way, baseConfig));
      const [single, ...others] = outcomes as [Outcome, ...Outcome[]];
      assert.equal(single.losses.size, single.metrics.totalSteps, 'one loss line per step');
      const outputs = (single.evalSamples as { output: string }[]).map((sample) => sample.output);
      assert.ok(
        outputs.some((output) => output.trim() !== ''),
        `the trained model generated text to compare: ${JSON.stringify(outputs)}`,
      );
      const row = ({ checkpointUri: _uri, seconds: _seconds, ...rest }: IterationMetrics) => rest;
      for (const [i, other] of others.entries()) {
        const name = ways[i + 1]!.name;
        for (const [step, loss] of single.losses)
          assert.ok(
            Math.abs((other.losses.get(step) ?? NaN) - loss) <= LOSS_TOLERANCE,
            `${name}, step ${step}: ${other.losses.get(step)} vs ${loss}`,
          );
        const worst = largestWeightDifference(single.checkpoint, other.checkpoint);
        assert.ok(worst <= WEIGHT_TOLERANCE, `${name}: largest weight difference ${worst}`);
        console.log(`# ${name}: largest weight difference from one process ${worst}`);
        assert.deepEqual(other.evalSamples, single.evalSamples, `${name}: the eval samples of its checkpoint`);
        assert.deepEqual(row(other.metrics), row(single.metrics), `${name}: the metrics row`);
      }
    });
  },
);
