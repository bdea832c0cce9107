import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './compute-worker';
import type { EmbeddedModel } from '../../embedded-model';
import type { GradientSum } from '../../gradients';
import type { ComputePool } from '../../model-backend';
import type { SampleOptions, SampleRequest, SampleResult } from '../../sample';

/**
 * Data parallelism over worker threads, for the WebAssembly backend only. tfjs keeps WebAssembly
 * single-threaded under Node, so one process uses one core; each worker here runs its own
 * WebAssembly instance on a share of the rows. Native TensorFlow spreads every op over the cores
 * with its own thread pool, and threads there would only compete with it: no workers.
 * Workers are created once per process and unreferenced while idle (they never keep it alive).
 * `STAR_MODEL_WORKERS` sets the count (default: the machine's cores, at most 4; 0 or 1 = in-process).
 */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

class ComputeWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failed: Error | undefined;
  /** The model version this thread holds; changed only inside `exclusive`. */
  private loadedKey = '';
  /** Tail of the chain of exclusive sections: one load-then-compute at a time per thread. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    const tsxApi = file.endsWith('.ts') ? require.resolve('tsx/cjs/api') : undefined;
    const code = `${tsxApi ? `require(${JSON.stringify(tsxApi)}).register();` : ''} require(${JSON.stringify(file)});`;
    this.worker = new Worker(code, { eval: true, env: { ...process.env, STAR_MODEL_WORKERS: '0' } });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`compute worker failed: ${reply.error}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`compute worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  call<T>(msg: WithoutId<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Runs `compute` with `model`'s weights loaded on this thread, and nothing else in between. Many
   * activities of one process (two experiments training, shards sampling other checkpoints) share the
   * threads; without this, a load for one model could land between another's load and its compute,
   * and that step would silently use the wrong weights.
   */
  withModel<T>(model: EmbeddedModel, compute: (key: string) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const key = model.versionKey;
      if (this.loadedKey !== key) {
        this.loadedKey = '';
        await this.call({ kind: 'load', key, config: model.config, weights: model.weights });
        this.loadedKey = key;
      }
      return compute(key);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let workers: ComputeWorker[] | undefined;

/** Worker threads asked for: STAR_MODEL_WORKERS, else the machine's cores, at most 4. */
export function workersFromEnvironment(): number {
  const env = process.env.STAR_MODEL_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0) throw new Error(`STAR_MODEL_WORKERS must be a whole number, got ${env}`);
    return n;
  }
  return Math.min(4, availableParallelism());
}

function pool(n: number): ComputeWorker[] {
  if (!workers) {
    workers = [];
    try {
      const file = require.resolve('./compute-worker');
      for (let i = 0; i < n; i++) workers.push(new ComputeWorker(file));
    } catch (err) {
      // e.g. running compiled JS without tsx: the model still works, on this thread only.
      console.error(`[model] worker threads unavailable (${(err as Error).message.split('\n')[0]}); computing on one thread`);
      for (const w of workers) void w.terminate();
      workers = [];
    }
  }
  return workers;
}

/** The process's worker threads (started on first use) when `threads` > 1 of them can run, else undefined. */
export function computePool(threads: number): ComputePool | undefined {
  const ws = threads > 1 ? pool(threads) : [];
  if (ws.length <= 1) return undefined;
  return {
    gradientSum: (model, rows) => parallelGradientSum(ws, model, rows),
    sample: (model, requests, options) => parallelSample(ws, model, requests, options),
  };
}

/** Stops the workers (tests, benchmarks); the next call starts new ones. */
export async function shutdownComputePool(): Promise<void> {
  const ws = workers ?? [];
  workers = undefined;
  await Promise.all(ws.map((w) => w.terminate()));
}

/** Splits `items` into `n` contiguous parts (earlier parts one longer when uneven), dropping empties. */
function splitEven<T>(items: T[], n: number): T[][] {
  const parts: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(items.length / n) + (i < items.length % n ? 1 : 0);
    if (size > 0) parts.push(items.slice(start, start + size));
    start += size;
  }
  return parts;
}

/** Gradient sums of the rows, computed in parallel; parts are added in a fixed order (deterministic). */
async function parallelGradientSum(ws: ComputeWorker[], model: EmbeddedModel, rows: Int32Array[]): Promise<GradientSum> {
  const parts = splitEven(rows, ws.length);
  const results = await Promise.all(
    parts.map((part, i) => ws[i].withModel(model, (key) => ws[i].call<GradientSum>({ kind: 'grads', key, rows: part }))),
  );
  const total = results[0];
  for (const r of results.slice(1)) {
    r.grads.forEach((g, p) => {
      const t = total.grads[p];
      for (let i = 0; i < g.length; i++) t[i] += g[i];
    });
    total.lossSum += r.lossSum;
    total.tokens += r.tokens;
  }
  return total;
}

/**
 * Samples the requests on the workers: requests are ordered by prompt length and cut into batches
 * (at most `batchSize`, small enough that every worker gets one), which idle workers take in turn.
 * Each request's text depends only on its own seed, so the split does not change any output.
 */
async function parallelSample(
  ws: ComputeWorker[],
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
): Promise<SampleResult> {
  const { onProgress, ...rest } = options;
  const lengths = requests.map((r) => model.tokenizer.encode(r.prompt).length);
  const order = requests.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const size = Math.max(1, Math.min(options.batchSize ?? 128, Math.ceil(requests.length / ws.length)));
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += size) batches.push(order.slice(i, i + size));
  const results = new Array<string>(requests.length);
  let next = 0;
  let done = 0;
  let tokens = 0;
  let stoppedByRule = 0;
  await Promise.all(
    ws.map(async (w) => {
      while (next < batches.length) {
        const batch = batches[next++];
        const out = await w.withModel(model, (key) =>
          w.call<SampleResult>({ kind: 'sample', key, requests: batch.map((i) => requests[i]), options: { ...rest, batchSize: size } }),
        );
        batch.forEach((row, j) => (results[row] = out.texts[j]));
        tokens += out.tokens;
        stoppedByRule += out.stoppedByRule;
        done += batch.length;
        onProgress?.(done);
      }
    }),
  );
  return { texts: results, tokens, stoppedByRule };
}
