/**
 * `npx tsx bench/shards.ts [--examples 384] [--shards 4] [--gen-length 48] [--model configs/model-default.json] [--rounds 2] [--model-workers N]`:
 * generation throughput (examples per second) of one experiment's generation pass with 1 and with 2
 * worker processes on this machine, printed side by side with their ratio.
 *
 * Each configuration runs the real `starExperiment` on a local Temporal dev server with worker processes
 * of workers/main.ts's worker (test/distributed/fixtures/experiment-worker.ts, one activity at a time per
 * process: the embedded model computes on one core per process, so a process gains nothing from running
 * two shards at once, and the shards spread evenly over the processes). The time is the generation
 * pass as the server saw it: first shard scheduled to last shard completed, so worker start-up is
 * not counted but each worker's model load is (as in a real run). The base model is random: it never
 * stops early, so every example costs the full generation length. The experiment is stopped once the
 * generation pass is done.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { startOrReuseDevServer } from '../cli/dev-server';
import { createModel, initBackend, readModelConfig, saveCheckpoint } from '../model';
import { normaliseRoot } from '../storage';
import { startWorkerProcess, waitUntil, type WorkerProcess } from '../test-support/processes';
import { installQuietRuntime, workflowBundle } from '../test-support/temporal';
import type { ExperimentInput } from '../contracts/experiment-input';

interface Measurement {
  processes: number;
  examples: number;
  seconds: number;
  shardsPerWorker: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      examples: { type: 'string' },
      shards: { type: 'string' },
      'gen-length': { type: 'string' },
      model: { type: 'string' },
      rounds: { type: 'string' },
      'model-workers': { type: 'string' },
    },
  });
  // The embedded model computes on worker threads (STAR_MODEL_WORKERS, default: the cores, at most 4);
  // 1 keeps each worker process on one core, which isolates what more processes add.
  const modelWorkers = values['model-workers'] ?? process.env.STAR_MODEL_WORKERS ?? '';
  const examples = Number(values.examples ?? 384);
  const shards = Number(values.shards ?? 4);
  const genLength = Number(values['gen-length'] ?? 48);
  const rounds = Number(values.rounds ?? 2);
  const scratch = mkdtempSync(join(tmpdir(), 'star-bench-shards-'));
  installQuietRuntime();

  await initBackend(() => {});
  const modelConfig = await readModelConfig(normaliseRoot(values.model ?? join(__dirname, '..', 'configs', 'model-default.json')));
  const baseModel = join(scratch, 'base-model');
  await saveCheckpoint(createModel(modelConfig, { seed: 1 }), baseModel, { step: 0 });
  const bundlePath = join(scratch, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);

  const server = await startOrReuseDevServer({ stateDir: join(scratch, 'server'), headless: true });
  // Ctrl-C or a timeout: the dev server and worker processes have their own process groups, so stop them.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.stop().finally(() => process.exit(130));
    });
  }
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const results: Measurement[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const processes of [1, 2]) {
        const input: ExperimentInput = {
          experiment: `bench-shards-${processes}-${round}-${Date.now()}`,
          task: 'arithmetic',
          storageRoot: join(scratch, 'runs'),
          nIters: 2,
          nTrainSamples: examples,
          rationalize: false,
          genLength,
          baseModelLocation: baseModel,
          baseConfig: join(__dirname, '..', 'configs', 'embedded_base.json'),
          shards,
          skipEval: true,
          heartbeatTimeoutSeconds: 60,
          arithmetic: { trainDigits: [1, 2, 3], devDigits: [1], trainPerDigit: Math.ceil(examples / 3), devPerDigit: 1 },
        };
        const measured = await measure(client, server.address, bundlePath, processes, input, { examples, shards, modelWorkers });
        results.push(measured);
        console.error(
          `  ${processes} process(es): ${measured.examples} examples in ${measured.seconds.toFixed(1)} s (shards per worker ${measured.shardsPerWorker.join('+')})`,
        );
      }
    }
  } finally {
    await connection.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  report(results, {
    examples,
    shards,
    genLength,
    model: values.model ?? 'configs/model-default.json',
    modelWorkers: modelWorkers || 'default (cores, at most 4)',
  });
}

async function measure(
  client: Client,
  address: string,
  bundlePath: string,
  processes: number,
  input: ExperimentInput,
  size: { examples: number; shards: number; modelWorkers: string },
): Promise<Measurement> {
  const taskQueue = `bench-${input.experiment}`;
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < processes; i += 1) {
      workers.push(
        startWorkerProcess(`worker-${i}`, 'test/distributed/fixtures/experiment-worker.ts', [], {
          ...process.env,
          TEMPORAL_ADDRESS: address,
          STAR_TASK_QUEUE: taskQueue,
          STAR_WORKFLOW_BUNDLE: bundlePath,
          STAR_TEST_MAX_ACTIVITIES: '1',
          STAR_TEST_CHUNK_SIZE: '16',
          ...(size.modelWorkers ? { STAR_MODEL_WORKERS: size.modelWorkers } : {}),
        }),
      );
    }
    await Promise.all(workers.map((w) => w.waitFor(/experiment worker ready/, 120_000)));
    const handle = await client.workflow.start('starExperiment', { taskQueue, workflowId: input.experiment, args: [input] });
    let span: { seconds: number; identities: string[] } | undefined;
    await waitUntil(
      async () => {
        const history = await handle.fetchHistory();
        span = generationSpan(history, size.shards);
        const closed = history.events?.find(
          (e) => e.workflowExecutionFailedEventAttributes || e.workflowExecutionTerminatedEventAttributes,
        );
        if (!span && closed) {
          const failure = closed.workflowExecutionFailedEventAttributes?.failure;
          throw new Error(
            `${input.experiment} ended before its generation pass did: ${failure?.message ?? 'terminated'}${failure?.cause?.cause ? ` (${failure.cause.cause.message})` : ''}`,
          );
        }
        return span !== undefined;
      },
      3_600_000,
      'the generation pass',
    );
    await handle.terminate('benchmark: generation measured');
    const counts = new Map<string, number>();
    for (const id of span!.identities) counts.set(id, (counts.get(id) ?? 0) + 1);
    return { processes, examples: size.examples, seconds: span!.seconds, shardsPerWorker: [...counts.values()].sort((a, b) => b - a) };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** First generateShard scheduled → last completed, once all `shards` have completed. */
function generationSpan(history: History, shards: number): { seconds: number; identities: string[] } | undefined {
  const events = history.events ?? [];
  const time = (e: (typeof events)[number]) => tsToMs(e.eventTime);
  const scheduled = new Map<string, number>();
  const startedBy = new Map<string, string>();
  const completed: { at: number; scheduledId: string }[] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'generateShard') scheduled.set(String(e.eventId), time(e));
    const st = e.activityTaskStartedEventAttributes;
    if (st && scheduled.has(String(st.scheduledEventId))) startedBy.set(String(st.scheduledEventId), st.identity ?? '');
    const c = e.activityTaskCompletedEventAttributes;
    if (c && scheduled.has(String(c.scheduledEventId))) completed.push({ at: time(e), scheduledId: String(c.scheduledEventId) });
  }
  if (completed.length < shards) return undefined;
  const first = Math.min(...scheduled.values());
  const last = Math.max(...completed.map((c) => c.at));
  return { seconds: (last - first) / 1000, identities: completed.map((c) => startedBy.get(c.scheduledId) ?? '?') };
}

function report(
  results: Measurement[],
  setup: { examples: number; shards: number; genLength: number; model: string; modelWorkers: string },
): void {
  const best = (processes: number) => {
    const runs = results.filter((r) => r.processes === processes);
    return runs.reduce((a, b) => (b.examples / b.seconds > a.examples / a.seconds ? b : a));
  };
  const one = best(1);
  const two = best(2);
  const rate = (m: Measurement) => m.examples / m.seconds;
  console.log(
    `generation throughput, ${setup.examples} arithmetic examples in ${setup.shards} shards, gen length ${setup.genLength}, model ${setup.model}, random weights, STAR_MODEL_WORKERS ${setup.modelWorkers}, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} (best of ${results.length / 2})`,
  );
  console.log('| worker processes | seconds | examples/s | shards per worker |');
  console.log('|---|---|---|---|');
  for (const m of [one, two])
    console.log(`| ${m.processes} | ${m.seconds.toFixed(1)} | ${rate(m).toFixed(2)} | ${m.shardsPerWorker.join(' + ')} |`);
  console.log(`ratio (2 processes / 1 process): ${(rate(two) / rate(one)).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
