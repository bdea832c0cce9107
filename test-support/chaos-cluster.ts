/**
 * What the chaos cases share: a real dev server with its database on disk (so it can be killed and
 * restarted with its state), experiment worker processes (`workers/main.ts`, killed with SIGKILL as
 * a crash does), the tiny experiment every case runs, and what a run leaves behind, read back for
 * comparison: metrics, the bytes of every checkpoint, and the time each finished piece of work
 * (completion manifest, saved chunk, checkpoint) was written.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startOrReuseDevServer, type DevServer } from '../cli/dev-server';
import { loadModel, saveCheckpoint } from '../model';
import type { ExperimentInput } from '../contracts/experiment-input';
import type { IterationMetrics } from '../contracts/metrics';
import { startWorkerProcess, waitUntil, type WorkerProcess } from './processes';
import { workflowBundle } from './temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from './experiment-input';
import { tinyBaseModel } from './tiny-model';

export const CHUNK = 4;

export interface Cluster {
  scratch: string;
  stateDir: string;
  server: DevServer;
  port: number;
  client: Client;
  connection: Connection;
  taskQueue: string;
  bundlePath: string;
  baseConfig: string;
  /** A copy of the tiny base model saved with file digests. */
  baseModel: string;
}

export async function startCluster(): Promise<Cluster> {
  const scratch = scratchDir('chaos');
  const stateDir = join(scratch, 'state');
  const server = await startOrReuseDevServer({ stateDir, port: 'any', headless: true });
  const port = Number(server.address.split(':').pop());
  const connection = await Connection.connect({ address: server.address });
  const bundlePath = join(scratch, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
  const baseModel = await savedCopy(await tinyBaseModel(), join(scratch, 'base-model'));
  return {
    scratch,
    stateDir,
    server,
    port,
    connection,
    client: new Client({ connection }),
    taskQueue: `chaos-${randomUUID()}`,
    bundlePath,
    baseConfig: writeBaseConfig(scratch),
    baseModel,
  };
}

/** A copy of a checkpoint written by this version of saveCheckpoint (so its manifest has digests). */
export async function savedCopy(checkpoint: string, to: string): Promise<string> {
  const model = await loadModel(checkpoint);
  await saveCheckpoint(model, to, { step: model.step });
  model.dispose();
  return to;
}

/** SIGKILL to the dev server's process group, as a crash or an OOM kill would do. */
export async function killServer(cluster: Cluster): Promise<void> {
  process.kill(-cluster.server.pid, 'SIGKILL');
  await waitUntil(
    () => !existsSync(`/proc/${cluster.server.pid}`) || readFileSync(`/proc/${cluster.server.pid}/stat`, 'utf8').includes(') Z '),
    10_000,
    'the dev server to die',
  );
}

/**
 * The dev server again, on the same port and database. The port can stay taken for a moment after
 * the kill (connections the clients keep re-opening to it), so a refused start is tried again.
 */
export async function restartServer(cluster: Cluster): Promise<void> {
  let lastError: unknown;
  await waitUntil(
    async () => {
      try {
        cluster.server = await startOrReuseDevServer({ stateDir: cluster.stateDir, port: cluster.port, headless: true });
        return true;
      } catch (err) {
        lastError = err;
        return false;
      }
    },
    120_000,
    'the dev server to start again on its port',
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${(lastError as Error | undefined)?.message}`);
  });
}

export async function startWorker(cluster: Cluster, name: string): Promise<WorkerProcess> {
  const worker = startWorkerProcess(name, 'workers/main.ts', [], {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${cluster.port}`,
    STAR_TASK_QUEUE: cluster.taskQueue,
    STAR_WORKFLOW_BUNDLE: cluster.bundlePath,
    STAR_CHUNK_SIZE: String(CHUNK),
    STAR_MAX_CONCURRENT_ACTIVITIES: '4',
  });
  await worker.waitFor(/star worker \S+ on /, 120_000);
  return worker;
}

/**
 * Two iterations, two shards, 48 train and 24 dev problems (12 and 6 saved chunks per pass), 12 and
 * 16 training steps with a checkpoint every 2: every phase lasts long enough to be caught inside.
 * A short heartbeat timeout, so the attempt a killed worker held is retried after seconds.
 */
export function chaosInput(cluster: Cluster, experiment: string, root: string, overrides: Partial<ExperimentInput> = {}): ExperimentInput {
  return tinyExperiment(experiment, root, cluster.baseModel, cluster.baseConfig, {
    nIters: 3,
    shards: 2,
    nTrainSamples: 48,
    startSteps: 12,
    addSteps: 4,
    heartbeatTimeoutSeconds: 4,
    arithmetic: { trainDigits: [1], devDigits: [1], trainPerDigit: 48, devPerDigit: 24 },
    ...overrides,
  });
}

export function experimentName(label: string): string {
  return `${label}-${randomUUID().slice(0, 6)}`;
}

/** What a finished run is compared by: metrics rows (times aside) and every checkpoint's bytes. */
export interface RunOutcome {
  metrics: Omit<IterationMetrics, 'seconds' | 'checkpointUri'>[];
  /** `models/{exp}_{i}/step_{N}/{file}` with the experiment's name replaced by `{exp}` → sha256. */
  checkpoints: Record<string, string>;
}

export function outcomeOf(root: string, experiment: string): RunOutcome {
  const dir = join(root, experiment);
  const metricsDir = join(dir, 'metrics');
  const metrics = readdirSync(metricsDir)
    .sort()
    .map((file) => JSON.parse(readFileSync(join(metricsDir, file), 'utf8')) as IterationMetrics)
    .map(({ seconds: _seconds, checkpointUri: _uri, ...rest }) => rest);
  const checkpoints: Record<string, string> = {};
  for (const file of walk(join(dir, 'models'))) {
    if (!/step_\d+\/(weights|optimizer)\.bin$/.test(file)) continue;
    const key = relative(dir, file).split(experiment).join('{exp}');
    checkpoints[key] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return { metrics, checkpoints };
}

/** The finished pieces of work on disk: completion manifests, saved chunks, checkpoints → mtime. */
export function finishedWork(root: string, experiment: string): Map<string, number> {
  const out = new Map<string, number>();
  const dir = join(root, experiment);
  if (!existsSync(dir)) return out;
  for (const file of walk(dir)) {
    if (/\.done\.json$|\/chunk-\d+\.json$|\/step_\d+\/manifest\.json$/.test(file)) out.set(relative(dir, file), statSync(file).mtimeMs);
  }
  return out;
}

/** The pieces of `before` written again since (work that was done twice). */
export function redone(before: Map<string, number>, root: string, experiment: string): string[] {
  const after = finishedWork(root, experiment);
  return [...before].filter(([file, mtime]) => after.get(file) !== mtime).map(([file]) => file);
}

export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** How many files under `dir` match `re`. */
export function count(dir: string, re: RegExp): number {
  return walk(dir).filter((file) => re.test(file)).length;
}
