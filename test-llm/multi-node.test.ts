/**
 * Two host workers on this machine acting as two nodes (`npm run test:llm`): the real `trainOnHosts`
 * step (test-support/workflows/host-training.ts) runs `torchrun --nnodes 2 --node_rank
 * {host_index} --master_addr {master_addr} --master_port {master_port}` on each, one process per node,
 * gloo on CPU, on the tiny model of scripts/make-tiny-lm.ts. Host 0 picks the rendezvous; the two
 * ranks must train what one process trains with the same step batch, within the tolerance of
 * docs/distributed-training.md (step losses 1e-4, weights 1e-3: the order of float additions differs,
 * nothing else: the model has no dropout and every rank reads the same seeded permutation).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { llmPython, makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { normaliseRoot } from '../storage';
import { startDevServer, uniqueExperiment } from '../test-support/temporal';
import { scratchDir } from '../test-support/experiment-input';
import { RunningTrainerFile } from '../host/running-trainer';
import type { HostTrainingInput } from '../test-support/workflows/host-training';
import {
  largestWeightDifference,
  LOSS_TOLERANCE,
  startHostNodes,
  stepLosses as losses,
  TORCHRUN_NODES as TORCHRUN,
  WEIGHT_TOLERANCE,
} from './helpers/host-nodes';

const python = llmPython();
const TOTAL_STEPS = 8;

void describe('the Hugging Face trainer on two host workers acting as two nodes (torchrun, gloo on CPU)', { timeout: 30 * 60_000 }, () => {
  const dir = scratchDir('multi-node');
  const tiny = join(dir, 'tiny-lm');
  const examples = join(dir, 'examples.jsonl');
  const index = join(dir, 'train.index');
  const hosts = [`node0-${process.pid}`, `node1-${process.pid}`];
  const stateDir = join(dir, 'host-state');
  const hostEnv = { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: '1' };
  /** Lines of every trainer's output, as each host worker echoes them (`[host] line`). */
  const watchers: ((host: string, line: string) => void)[] = [];
  let env: TestWorkflowEnvironment;
  let nodes: { stop(): Promise<void> } | undefined;
  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  let taskQueue: string;
  let single: { out: string; modelDir: string };

  /** The config of one run: 16 examples, 8 steps of 4, as python/tests/test_torchrun.py trains. */
  function writeConfig(name: string): { configPath: string; modelDir: string } {
    const modelDir = join(dir, name, 'model');
    mkdirSync(join(dir, name), { recursive: true });
    const configPath = join(dir, name, 'config.json');
    const config = {
      total_steps: TOTAL_STEPS,
      model_dir: modelDir,
      train_jsonl: examples,
      lr: 1e-2,
      per_replica_batch: 4,
      ckpt_every: 2,
      seed: 3,
    };
    writeFileSync(configPath, JSON.stringify(config));
    return { configPath, modelDir };
  }

  before(async () => {
    assert.ok(existsSync(python), `${python} does not exist: run \`bash scripts/setup-llm.sh\` (npm run test:llm does)`);
    makeTinyLm(tiny);
    const rows = [];
    for (let a = 1; a < 5; a += 1)
      for (let b = 10; b < 14; b += 1) rows.push({ prompt: `Input:\n${a} + ${b}\nTarget:`, completion: `\n${a + b}${' .'.repeat(a % 3)}` });
    writeFileSync(examples, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    // The HF trainer reads train_jsonl from its config; the host still copies the iteration's index.
    writeFileSync(index, `${normaliseRoot(examples)}\n`);

    const reference = writeConfig('one-process');
    const done = spawnSync(python, ['-m', 'star_trainer.train', '--config', reference.configPath, '--tune-model-path', tiny], {
      cwd: ROOT,
      env: hostEnv,
      encoding: 'utf8',
    });
    assert.equal(done.status, 0, done.stdout + done.stderr);
    single = { out: done.stdout, modelDir: reference.modelDir };

    env = await startDevServer();
    taskQueue = `multi-node-${uniqueExperiment('q')}`;
    const workflows = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowsPath: require.resolve('../test-support/workflows/host-training'),
    });
    workers.push(workflows);
    runs.push(workflows.run());
    nodes = await startHostNodes(env, dir, hosts, {
      environment: hostEnv,
      stateDir,
      onLine: (host, line) => {
        for (const watch of watchers) watch(host, line);
      },
    });
  });

  after(async () => {
    await nodes?.stop();
    for (const worker of workers) worker.shutdown();
    await Promise.allSettled(runs);
    await env?.teardown();
  });

  function input(name: string, rendezvous?: HostTrainingInput['rendezvous']): HostTrainingInput {
    const { configPath, modelDir } = writeConfig(name);
    return {
      hosts,
      heartbeatTimeoutSeconds: 30,
      base: {
        iteration: 1,
        configUri: normaliseRoot(configPath),
        baseCheckpointUri: normaliseRoot(tiny),
        commandTemplate: TORCHRUN,
        nprocPerNode: 1,
        totalSteps: TOTAL_STEPS,
        modelDir: normaliseRoot(modelDir),
        indexUri: normaliseRoot(index),
        trainSet: `${name}/${name}.index`,
      },
      logDir: normaliseRoot(join(dir, name, 'logs')),
      ...(rendezvous ? { rendezvous } : {}),
    };
  }

  const start = (name: string, rendezvous?: HostTrainingInput['rendezvous']) =>
    env.client.workflow.start('hostTraining', { taskQueue, workflowId: uniqueExperiment(name), args: [input(name, rendezvous)] });

  const log = (name: string, host: string) => readFileSync(join(dir, name, 'logs', `${host}.log`), 'utf8');

  /** The rendezvous each host was given, attempt by attempt, from the workflow's history. */
  async function rendezvousOf(workflowId: string): Promise<{ host: string; addr: string; port: number }[]> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'trainOnHost') return [];
      const given = defaultPayloadConverter.fromPayload(scheduled.input!.payloads![0]!) as {
        host: string;
        rendezvous: { addr: string; port: number };
      };
      return [{ host: given.host, addr: given.rendezvous.addr, port: given.rendezvous.port }];
    });
  }

  void it('trains across the two nodes at the rendezvous host 0 picked, to the losses and weights of one process', async () => {
    const handle = await start('two-nodes');
    const result = await handle.result();
    assert.equal(result.step, TOTAL_STEPS);
    const modelDir = join(dir, 'two-nodes', 'model');
    assert.equal(result.checkpointUri, normaliseRoot(join(modelDir, `step_${TOTAL_STEPS}`)));

    const given = await rendezvousOf(handle.workflowId);
    assert.equal(given.length, 2, 'one attempt, one trainOnHost per host');
    assert.deepEqual(new Set(given.map((g) => `${g.addr}:${g.port}`)).size, 1, `both hosts met at one endpoint: ${JSON.stringify(given)}`);
    assert.equal(given[0]?.addr, '127.0.0.1', "host 0's --rendezvous-addr");

    const node0 = log('two-nodes', hosts[0]!);
    assert.match(node0, /"--node_rank" "0"[\s\S]*"--master_port" "\d+"/, 'the log shows the command as expanded');
    assert.match(node0, /2 replicas of/, 'rank 0 saw a world of 2 processes');
    assert.equal(losses(log('two-nodes', hosts[1]!)).size, 0, 'only rank 0 (on node 0) prints the step lines');
    const expected = losses(single.out);
    const got = losses(node0);
    assert.deepEqual(
      [...got.keys()].sort((a, b) => a - b),
      [...expected.keys()].sort((a, b) => a - b),
    );
    for (const [step, loss] of expected)
      assert.ok(Math.abs((got.get(step) ?? NaN) - loss) <= LOSS_TOLERANCE, `step ${step}: ${got.get(step)} vs ${loss}`);
    const worst = largestWeightDifference(join(single.modelDir, `step_${TOTAL_STEPS}`), join(modelDir, `step_${TOTAL_STEPS}`));
    assert.ok(worst <= WEIGHT_TOLERANCE, `largest weight difference ${worst}`);
  });

  void it('fails at once, naming the port, when the rendezvous port the user set is in use on host 0', async () => {
    const held: Server = createServer();
    await new Promise<void>((resolve) => held.listen(0, resolve));
    const port = (held.address() as { port: number }).port;
    try {
      const err = await (await start('port-in-use', { addr: '127.0.0.1', port })).result().then(
        () => assert.fail('expected the step to fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure, String(err));
      const cause = err.cause.cause;
      assert.ok(cause instanceof ApplicationFailure, String(cause));
      assert.equal(cause.type, 'RendezvousPortInUse');
      assert.equal(cause.nonRetryable, true);
      assert.match(cause.message, new RegExp(`rendezvous port ${port} on host ${hosts[0]} .*rendezvous\\.port`));
    } finally {
      held.close();
    }
  });

  void it("a rank SIGKILLed mid-run fails the step on both nodes; the retried step meets at a new rendezvous and resumes every rank to one process's weights", async () => {
    let killed = false;
    watchers.push((host, line) => {
      if (killed || host !== hosts[0] || !line.startsWith('step 3 loss')) return;
      // Node 1's rank: the child of its torchrun, whose process group the host recorded.
      const note = new RunningTrainerFile(stateDir, hosts[1]!).leftover();
      if (!note) return;
      const ranks = readFileSync(`/proc/${note.pgid}/task/${note.pgid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      killed = true;
      process.kill(ranks[ranks.length - 1]!, 'SIGKILL');
    });
    const handle = await start('rank-killed');
    const result = await handle.result();
    assert.ok(killed, "node 1's rank was killed at step 3");
    assert.equal(result.step, TOTAL_STEPS);

    const given = await rendezvousOf(handle.workflowId);
    assert.equal(given.length, 4, `two attempts of the whole step, each on both hosts: ${JSON.stringify(given)}`);
    const node0 = log('rank-killed', hosts[0]!);
    const resumed = /state will be restored from checkpoint (\d+)/.exec(node0);
    assert.ok(resumed && [2, 4].includes(Number(resumed[1])), `the retry resumed from a save of the first attempt:\n${node0}`);
    const modelDir = join(dir, 'rank-killed', 'model');
    const worst = largestWeightDifference(join(single.modelDir, `step_${TOTAL_STEPS}`), join(modelDir, `step_${TOTAL_STEPS}`));
    assert.ok(worst <= WEIGHT_TOLERANCE, `largest weight difference ${worst}`);
  });
});
