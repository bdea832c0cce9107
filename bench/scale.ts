/**
 * `npm run bench:scale -- [--questions 100000] [--shards 10,100,1000] [--hosts 8,64] [--sample-ms 0.2]
 *   [--correct-rate 0.3] [--iterations 64] [--chain-questions 1000] [--chain-shards 10] [--skip-chain] [--json]`
 *
 * How an iteration behaves at size, with `inference: "simulated"` and `trainer: "simulated"` on a
 * local dev server (its own, on a free port): everything but the sampler's and the trainer's work is
 * the real code (activities, chunk files, manifests, merge, GPT-2 records, workflow).
 *
 * Part 1, one iteration of `--questions` train questions for each shard count and fleet size. A fleet
 * of H hosts is one in-process worker with H activity slots, each slot a host that runs one shard at a
 * time: simulated samples sleep, so 64 "hosts" fit on 2 cores, while every shard's real work (its
 * slice of the selection, prompts, answer checking, chunk files) is done for real, all of it on this
 * one process's JavaScript thread; so past a few hosts the wall time shows what one worker process
 * can orchestrate on this machine, not what 64 machines would do. Measured: history
 * events and bytes of the run, its largest payload, time from the run's start to the first and the
 * last generation shard scheduled, the pass's time beyond the ideal per shard, worker slots in use
 * (sampled every 100 ms), the progress query's latency and the server's pending activities during the
 * run, and the iteration's wall time against two ideals: the sum of activity time / H, and the
 * simulated sampling alone (samples x latency) / H.
 *
 * Part 2, `--iterations` iterations with continue-as-new (one run per iteration): events and bytes of
 * every run, to show history per run stays bounded while the experiment grows.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { progressQuery } from '../contracts/messages';
import { EXPERIMENT_WORKFLOW_TASK_TIMEOUT } from '../cli/experiment-client';
import type { ExperimentInput } from '../contracts/experiment-input';
import { starExperiment } from '../workflows/star-experiment';
import { historiesOf, startDevServer, uniqueExperiment, workflowBundle } from '../test-support/temporal';
import { scratchDir } from '../test-support/experiment-input';
import { measureHistory, passSchedule, runMs, type HistoryMeasures, type PassSchedule } from './scale-history';

interface Settings {
  questions: number;
  sampleMs: number;
  correctRate: number;
}

interface IterationMeasure {
  shards: number;
  hosts: number;
  history: HistoryMeasures;
  generate: PassSchedule;
  eval?: PassSchedule;
  /** Activity time in the worker by activity type. */
  byType: Record<string, { count: number; ms: number; maxMs: number }>;
  wallMs: number;
  /** Sum of every activity's time in the worker / hosts. */
  idealMs: number;
  /** The simulated sampling alone (samples x latency) / hosts: what an infinitely fast orchestration would take. */
  samplingIdealMs: number;
  /** Generation pass time beyond its ideal (its activity time / hosts), per shard. */
  overheadPerShardMs: number;
  slots: { mean: number; max: number; timeline: number[] };
  queryMs: { median: number; max: number };
  maxServerPending: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string' },
      shards: { type: 'string' },
      hosts: { type: 'string' },
      'sample-ms': { type: 'string' },
      'correct-rate': { type: 'string' },
      iterations: { type: 'string' },
      'chain-questions': { type: 'string' },
      'chain-shards': { type: 'string' },
      'skip-chain': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const list = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map(Number) : fallback);
  const settings: Settings = {
    questions: Number(values.questions ?? 100_000),
    sampleMs: Number(values['sample-ms'] ?? 0.2),
    correctRate: Number(values['correct-rate'] ?? 0.3),
  };
  const shardCounts = list(values.shards, [10, 100, 1000]);
  // One host is the slowest case (every shard in turn) and adds ~5 minutes here: --hosts 1,8,64.
  const hostCounts = list(values.hosts, [8, 64]);
  const root = scratchDir('bench-scale');
  const baseConfig = join(root, 'base-config.json');
  writeFileSync(baseConfig, `${JSON.stringify({ seq: 128, lr: 0.0001 })}\n`);
  const env = await startDevServer();
  const results: IterationMeasure[] = [];
  let chain: { runs: { events: number; bytes: number }[]; seconds: number } | undefined;
  try {
    for (const shards of shardCounts) {
      for (const hosts of hostCounts) {
        const m = await oneIteration(env, root, baseConfig, settings, shards, hosts);
        results.push(m);
        console.error(
          `  ${shards} shards, ${hosts} hosts: ${(m.wallMs / 1000).toFixed(1)} s (ideal ${(m.idealMs / 1000).toFixed(1)} s), ${m.history.events} events, ${kb(m.history.bytes)}`,
        );
      }
    }
    if (!values['skip-chain']) {
      const iterations = Number(values.iterations ?? 64);
      chain = await continuedChain(
        env,
        root,
        baseConfig,
        iterations,
        Number(values['chain-questions'] ?? 1000),
        Number(values['chain-shards'] ?? 10),
      );
    }
  } finally {
    await env.teardown();
  }
  if (values.json) console.log(JSON.stringify({ settings, results, chain }));
  else report(settings, results, chain);
}

/** Dev questions (100 per digit count, 1-5 digits), sampled once each by the eval pass. */
const DEV_QUESTIONS = 500;

function input(
  exp: string,
  root: string,
  baseConfig: string,
  questions: number,
  shards: number,
  extra: Partial<ExperimentInput> = {},
): ExperimentInput {
  const digits = [1, 2, 3, 4, 5];
  return {
    experiment: exp,
    task: 'arithmetic',
    storageRoot: join(root, 'runs'),
    nIters: 2,
    nTrainSamples: questions,
    shards,
    inference: 'simulated',
    trainer: 'simulated',
    baseModelLocation: 'simulated-base',
    baseConfig,
    steadyGrow: true,
    startSteps: 100,
    addSteps: 0,
    heartbeatTimeoutSeconds: 120,
    arithmetic: { trainDigits: digits, devDigits: digits, trainPerDigit: Math.ceil(questions / digits.length), devPerDigit: 100 },
    ...extra,
  };
}

/** A worker with `slots` activity slots whose activities count themselves in and out. */
async function countingWorker(env: TestWorkflowEnvironment, slots: number) {
  const taskQueue = `bench-${uniqueExperiment('q')}`;
  const busy = { now: 0, totalMs: 0, byType: {} as Record<string, { count: number; ms: number; maxMs: number }> };
  const acts = createActivities();
  const counted = Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (arg: never) => {
        busy.now += 1;
        const started = performance.now();
        try {
          return await (fn as (a: never) => Promise<unknown>)(arg);
        } finally {
          busy.now -= 1;
          const took = performance.now() - started;
          busy.totalMs += took;
          const type = (busy.byType[name] ??= { count: 0, ms: 0, maxMs: 0 });
          type.count += 1;
          type.ms += took;
          type.maxMs = Math.max(type.maxMs, took);
        }
      },
    ]),
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: counted,
    maxConcurrentActivityTaskExecutions: slots,
    maxHeartbeatThrottleInterval: '5s',
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  const stop = async () => {
    // A SIGTERM has the runtime shut workers down itself.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  return { taskQueue, busy, stop };
}

async function oneIteration(
  env: TestWorkflowEnvironment,
  root: string,
  baseConfig: string,
  s: Settings,
  shards: number,
  hosts: number,
): Promise<IterationMeasure> {
  const worker = await countingWorker(env, hosts);
  const exp = uniqueExperiment(`scale-${shards}-${hosts}`);
  try {
    const handle = await env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: exp,
      workflowTaskTimeout: EXPERIMENT_WORKFLOW_TASK_TIMEOUT,
      args: [input(exp, root, baseConfig, s.questions, shards, { simulatedSampleMs: s.sampleMs, simulatedCorrectRate: s.correctRate })],
    });
    const samples: number[] = [];
    const queries: number[] = [];
    let maxServerPending = 0;
    let done = false;
    const finished = handle.result().finally(() => {
      done = true;
    });
    const sampler = (async () => {
      let tick = 0;
      while (!done) {
        samples.push(worker.busy.now);
        if (tick % 10 === 0) {
          const t = performance.now();
          const [, described] = await Promise.all([
            handle.query(progressQuery).catch(() => undefined),
            handle.describe().catch(() => undefined),
          ]);
          queries.push(performance.now() - t);
          maxServerPending = Math.max(maxServerPending, described?.raw.pendingActivities?.length ?? 0);
        }
        tick += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await finished;
    await sampler;
    const history = await handle.fetchHistory();
    const described = await handle.describe();
    const measures = measureHistory(
      history,
      Number(described.historySize ?? temporal.api.history.v1.History.encode(history).finish().length),
    );
    const generate = passSchedule(history, 'generateShard');
    if (!generate) throw new Error(`${exp}: no generation shards in its history`);
    const wallMs = runMs(history);
    const idealMs = worker.busy.totalMs / hosts;
    const generateIdealMs = generationWorkMs(samples, generate, hosts);
    return {
      shards,
      hosts,
      history: measures,
      generate,
      eval: passSchedule(history, 'evalShard'),
      byType: worker.busy.byType,
      wallMs,
      idealMs,
      samplingIdealMs: ((s.questions + DEV_QUESTIONS) * s.sampleMs) / hosts,
      overheadPerShardMs: Math.max(0, generate.passMs - generateIdealMs) / shards,
      slots: slotStats(samples, hosts),
      queryMs: { median: median(queries), max: Math.max(0, ...queries) },
      maxServerPending,
    };
  } finally {
    await worker.stop();
  }
}

/** The generation pass's ideal: the slot-time it used (sampled busy slots x 100 ms) spread over the fleet. */
function generationWorkMs(samples: number[], pass: PassSchedule, hosts: number): number {
  const start = Math.floor(pass.firstScheduledMs / 100);
  const end = Math.ceil((pass.firstScheduledMs + pass.passMs) / 100);
  const busySlotMs = samples.slice(start, end).reduce((a, b) => a + b, 0) * 100;
  return busySlotMs / hosts;
}

function slotStats(samples: number[], hosts: number): { mean: number; max: number; timeline: number[] } {
  const buckets = 10;
  const size = Math.max(1, Math.ceil(samples.length / buckets));
  const timeline = Array.from({ length: Math.min(buckets, samples.length) }, (_, b) => {
    const part = samples.slice(b * size, (b + 1) * size);
    return part.length ? part.reduce((a, c) => a + c, 0) / part.length / hosts : 0;
  });
  return { mean: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length), max: Math.max(0, ...samples), timeline };
}

async function continuedChain(
  env: TestWorkflowEnvironment,
  root: string,
  baseConfig: string,
  iterations: number,
  questions: number,
  shards: number,
) {
  const worker = await countingWorker(env, 8);
  const exp = uniqueExperiment('scale-chain');
  const started = performance.now();
  try {
    const handle = await env.client.workflow.start(starExperiment, {
      taskQueue: worker.taskQueue,
      workflowId: exp,
      workflowTaskTimeout: EXPERIMENT_WORKFLOW_TASK_TIMEOUT,
      args: [input(exp, root, baseConfig, questions, shards, { nIters: iterations + 1, simulatedCorrectRate: 0.3 })],
    });
    await handle.result();
    const runs = await historiesOf(env.client as Client, handle);
    return {
      seconds: (performance.now() - started) / 1000,
      runs: runs.map(({ history }) => ({
        events: history.events?.length ?? 0,
        bytes: temporal.api.history.v1.History.encode(history).finish().length,
      })),
    };
  } finally {
    await worker.stop();
  }
}

function report(
  s: Settings,
  results: IterationMeasure[],
  chain: { runs: { events: number; bytes: number }[]; seconds: number } | undefined,
): void {
  console.log(
    `one iteration, ${s.questions} train questions (k = 1, no rationalization), simulated latency ${s.sampleMs} ms per sample, correct rate ${s.correctRate}; ` +
      `${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`,
  );
  console.log(
    '| shards | hosts | history events | history bytes | largest payload | first / last shard scheduled | most pending | overhead per shard | slots in use (mean of H; by tenths) | progress query + describe (median / max) | wall | ideal: activity time / H | ideal: sampling / H |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of results) {
    console.log(
      `| ${m.shards} | ${m.hosts} | ${m.history.events} | ${kb(m.history.bytes)} | ${kb(m.history.largestPayload.bytes)} (${m.history.largestPayload.event}) | ` +
        `${sec(m.generate.firstScheduledMs)} / ${sec(m.generate.lastScheduledMs)} | ${m.generate.maxPending} (server ${m.maxServerPending}) | ${m.overheadPerShardMs.toFixed(1)} ms | ` +
        `${m.slots.mean.toFixed(1)} (${m.slots.timeline.map((x) => x.toFixed(1)).join(' ')}) | ${m.queryMs.median.toFixed(0)} / ${m.queryMs.max.toFixed(0)} ms | ` +
        `${sec(m.wallMs)} | ${sec(m.idealMs)} | ${sec(m.samplingIdealMs)} |`,
    );
  }
  console.log('\nwhere the time goes: pass = first shard scheduled to last closed; activity time summed in the worker (count, mean, max)');
  for (const m of results) {
    const types = Object.entries(m.byType)
      .map(([name, t]) => `${name} ${t.count}× ${(t.ms / t.count).toFixed(0)} ms (max ${(t.maxMs / 1000).toFixed(1)} s)`)
      .join(', ');
    console.log(
      `- ${m.shards} shards, ${m.hosts} hosts: generate pass ${sec(m.generate.passMs)}, eval pass ${m.eval ? sec(m.eval.passMs) : '-'}; ${types}`,
    );
  }
  if (!chain) return;
  const events = chain.runs.map((r) => r.events);
  const bytes = chain.runs.map((r) => r.bytes);
  console.log(
    `\n${chain.runs.length} iterations with continue-as-new in ${chain.seconds.toFixed(0)} s: one run per iteration; events per run ${Math.min(...events)}–${Math.max(...events)} (first ${events[0]}, last ${events[events.length - 1]}); bytes per run ${kb(Math.min(...bytes))}–${kb(Math.max(...bytes))} (first ${kb(bytes[0] ?? 0)}, last ${kb(bytes[bytes.length - 1] ?? 0)})`,
  );
}

const kb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
