import { joinUri, list } from '../storage';
import { adamUpdate, freshAdam } from './adam';
import { loadModel, loadOptimizerState, readManifest, saveCheckpoint, type OptimizerState } from './checkpoint';
import { initBackend, modelBackend } from './backend';
import type { EmbeddedModel } from './embedded-model';
import { gradientSum } from './gradients';
import type { ModelBackend } from './model-backend';
import { mixSeed, Rng } from './rng';
import { exampleRows } from './example-rows';
import { tokenizerByName } from './tokenizers';
import { loadRecordChunks } from './training-chunks';
import { CheckpointError, TrainingDataError } from './errors';

export interface TrainOptions {
  /** The checkpoint every run starts from (the reference fine-tunes the base model each iteration). */
  baseCheckpointUri: string;
  /** Index file of the training records (core's `readRecordsIndex`); or pass `chunks`. */
  recordsIndexUri?: string;
  /**
   * Token chunks, all the same length: up to the model's `seq + 1` ids, trained as they are; longer
   * (records written for a longer `seq` than the model's context), repacked into rows of whole
   * examples (model/example-rows.ts).
   */
  chunks?: Int32Array[];
  totalSteps: number;
  outputDirUri: string;
  checkpointEvery: number;
  lr: number;
  warmupSteps: number;
  /** Sequences per micro-batch. */
  batchSize: number;
  gradientAccumulationSteps: number;
  /** Seeds the data order. */
  seed: number;
  onProgress?: (step: number, loss: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface TrainResult {
  checkpointUri: string;
  step: number;
  /** Mean answer-token loss of the last step (NaN if resumed at an already finished run). */
  loss: number;
}

/** Settings that fix the data order and update rule; a resumed run must use the same ones. */
interface RunIdentity {
  seed: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  chunkCount: number;
  chunkLength: number;
  lr: number;
  warmupSteps: number;
}

/**
 * Fine-tunes the base checkpoint and writes `{outputDirUri}/step_{N}/` every `checkpointEvery` steps
 * and at `totalSteps`. Restarted with the same arguments, it continues from the newest complete
 * checkpoint there (weights + Adam state; the data order is a pure function of seed and step, so no
 * other generator state exists) and reaches the same weights as a run that was never interrupted.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  validate(options);
  await initBackend();
  const recordChunks = options.chunks ?? (await loadRecordChunks(options.recordsIndexUri!));
  if (recordChunks.length === 0)
    throw new TrainingDataError(`no training chunks (records index ${options.recordsIndexUri ?? '(chunks option)'} is empty)`);
  const chunks = await trainingRows(recordChunks, options.baseCheckpointUri);
  const identity: RunIdentity = {
    seed: options.seed,
    batchSize: options.batchSize,
    gradientAccumulationSteps: options.gradientAccumulationSteps,
    chunkCount: chunks.length,
    chunkLength: chunks[0].length,
    lr: options.lr,
    warmupSteps: options.warmupSteps,
  };

  const resumeFrom = await newestCheckpoint(options.outputDirUri);
  let model: EmbeddedModel;
  let adam: OptimizerState;
  let step: number;
  if (resumeFrom) {
    const manifest = await readManifest(resumeFrom.uri);
    checkSameRun(resumeFrom.uri, manifest.training?.identity as RunIdentity | undefined, identity);
    model = await loadModel(resumeFrom.uri);
    const state = await loadOptimizerState(resumeFrom.uri, manifest);
    if (!state)
      throw new CheckpointError(
        `${resumeFrom.uri} has no optimizer state, so training cannot resume from it; remove it or use another outputDirUri`,
      );
    adam = state;
    step = resumeFrom.step;
    if (step >= options.totalSteps) return { checkpointUri: resumeFrom.uri, step, loss: Number.NaN };
  } else {
    model = await loadModel(options.baseCheckpointUri);
    adam = freshAdam(model.weights.map((w) => w.data.length));
    step = 0;
  }
  checkChunks(chunks, model);

  const backend = modelBackend();
  const order = new DataOrder(chunks.length, options.seed);
  let loss = Number.NaN;
  let checkpointUri = '';
  try {
    while (step < options.totalSteps) {
      if (options.signal?.aborted) throw new Error(`training aborted at step ${step} (${String(options.signal.reason ?? 'signal')})`);
      const microBatches = Array.from({ length: options.gradientAccumulationSteps }, (_, a) => {
        const first = (step * options.gradientAccumulationSteps + a) * options.batchSize;
        return Array.from({ length: options.batchSize }, (_, r) => chunks[order.at(first + r)]);
      });
      const { lossSum, tokens } = await optimizerStep(model, microBatches, adam, options, backend);
      step += 1;
      loss = tokens > 0 ? lossSum / tokens : 0;
      if (step % options.checkpointEvery === 0 || step === options.totalSteps) {
        checkpointUri = joinUri(options.outputDirUri, `step_${step}`);
        model.step = step;
        await saveCheckpoint(model, checkpointUri, {
          step,
          optimizer: adam,
          training: { identity, totalSteps: options.totalSteps, baseCheckpointUri: options.baseCheckpointUri, loss },
        });
      }
      await options.onProgress?.(step, loss);
    }
  } finally {
    model.dispose();
  }
  return { checkpointUri, step, loss };
}

/**
 * One optimizer step: the micro-batches' gradient sums added, averaged over their answer tokens, an
 * Adam update on the host, the new weights set on the model. Worker threads (when the backend has
 * them) share each micro-batch; their parts are added in a fixed order, so a run is reproducible for
 * a given worker count (a different count changes float rounding only).
 */
export async function optimizerStep(
  model: EmbeddedModel,
  microBatches: Int32Array[][],
  adam: OptimizerState,
  schedule: Pick<TrainOptions, 'lr' | 'warmupSteps'>,
  backend: ModelBackend = modelBackend(),
): Promise<{ lossSum: number; tokens: number }> {
  const names = model.weights.map((w) => w.name);
  const sums = model.weights.map((w) => new Float32Array(w.data.length));
  let lossSum = 0;
  let tokens = 0;
  for (const rows of microBatches) {
    const pool = rows.length >= 2 ? backend.pool() : undefined;
    const part = pool
      ? await pool.gradientSum(model, rows)
      : gradientSum(backend.layers, model.config, model.tokenizer, names, model.tensors(), rows);
    part.grads.forEach((g, p) => {
      const s = sums[p];
      for (let i = 0; i < g.length; i++) s[i] += g[i];
    });
    lossSum += part.lossSum;
    tokens += part.tokens;
  }
  const scale = 1 / Math.max(1, tokens);
  for (const s of sums) for (let i = 0; i < s.length; i++) s[i] *= scale;
  adamUpdate(
    model.weights.map((w) => w.data),
    sums,
    adam,
    schedule.lr,
    schedule.warmupSteps,
  );
  model.setWeights(model.weights.map((w) => ({ ...w })));
  return { lossSum, tokens };
}

function validate(o: TrainOptions): void {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`train: ${name} must be a positive integer, got ${v}`);
  };
  if (o.totalSteps === 0)
    throw new TrainingDataError(
      'train: totalSteps is 0, so there is nothing to train; the growth rule gave no steps (too few kept examples?)',
    );
  positiveInt('totalSteps', o.totalSteps);
  positiveInt('checkpointEvery', o.checkpointEvery);
  positiveInt('batchSize', o.batchSize);
  positiveInt('gradientAccumulationSteps', o.gradientAccumulationSteps);
  if (!(o.lr >= 0)) throw new Error(`train: lr must be >= 0, got ${o.lr}`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0)
    throw new Error(`train: warmupSteps must be an integer >= 0, got ${o.warmupSteps}`);
  if (!o.chunks && !o.recordsIndexUri) throw new Error('train: give recordsIndexUri (a records index file) or chunks');
}

/** The chunks themselves if they fit the base model's context, else rows of whole examples. */
async function trainingRows(chunks: Int32Array[], baseCheckpointUri: string): Promise<Int32Array[]> {
  const manifest = await readManifest(baseCheckpointUri);
  const seq = Number((manifest.config as { seq?: unknown }).seq);
  if (!(chunks[0].length > seq + 1)) return chunks;
  chunks.forEach((chunk, i) => {
    if (chunk.length !== chunks[0].length)
      throw new TrainingDataError(`training chunk ${i} has ${chunk.length} tokens, the first has ${chunks[0].length}; all must match`);
  });
  const { rows } = exampleRows(chunks, tokenizerByName(manifest.tokenizer), seq + 1);
  if (rows.length === 0) {
    throw new TrainingDataError(
      `the ${chunks.length} training chunk(s) of ${chunks[0].length} tokens hold no whole example with an answer to train on; keep more examples or write the records with a shorter seq`,
    );
  }
  return rows;
}

function checkChunks(chunks: Int32Array[], model: EmbeddedModel): void {
  const len = chunks[0].length;
  if (len < 2 || len > model.config.seq + 1) {
    throw new TrainingDataError(
      `training chunks have ${len} tokens; the model takes chunks of 2..${model.config.seq + 1} (seq ${model.config.seq} + 1)`,
    );
  }
  chunks.forEach((chunk, i) => {
    if (chunk.length !== len)
      throw new TrainingDataError(`training chunk ${i} has ${chunk.length} tokens, the first has ${len}; all must match`);
    for (const id of chunk) {
      if (id < 0 || id >= model.config.n_vocab) {
        throw new TrainingDataError(
          `training chunk ${i} holds token id ${id}, outside the model's vocabulary (${model.config.n_vocab}, tokenizer ${model.tokenizer.name}); were the records written with another tokenizer?`,
        );
      }
    }
  });
}

function checkSameRun(uri: string, saved: RunIdentity | undefined, now: RunIdentity): void {
  if (!saved) throw new CheckpointError(`${uri} was not written by train(), so it cannot be resumed; use another outputDirUri`);
  const diffs = (Object.keys(now) as (keyof RunIdentity)[]).filter((k) => saved[k] !== now[k]);
  if (diffs.length) {
    throw new CheckpointError(
      `cannot resume from ${uri}: it was trained with ${diffs.map((k) => `${k}=${saved[k]}`).join(', ')} but this run has ` +
        `${diffs.map((k) => `${k}=${now[k]}`).join(', ')}; use the same settings or a fresh outputDirUri`,
    );
  }
}

/** The newest `step_N/` under the output directory whose manifest exists (manifests are written last). */
export async function newestCheckpoint(outputDirUri: string): Promise<{ uri: string; step: number } | undefined> {
  let entries: string[];
  try {
    entries = await list(outputDirUri);
  } catch {
    return undefined;
  }
  let best: { uri: string; step: number } | undefined;
  for (const entry of entries) {
    const match = /\/step_(\d+)\/manifest\.json$/.exec(entry);
    if (!match) continue;
    const step = Number(match[1]);
    if (!best || step > best.step) best = { uri: entry.slice(0, -'/manifest.json'.length), step };
  }
  return best;
}

/**
 * Sample j of the run is chunk order.at(j): epoch floor(j / n) walks a permutation of the chunks
 * seeded by (seed, epoch) (Fisher-Yates, Mulberry32). A pure function of (seed, j), so resuming needs
 * no generator state.
 */
export class DataOrder {
  private readonly perms = new Map<number, Uint32Array>();
  constructor(
    private readonly n: number,
    private readonly seed: number,
  ) {}

  at(j: number): number {
    const epoch = Math.floor(j / this.n);
    let perm = this.perms.get(epoch);
    if (!perm) {
      perm = new Uint32Array(this.n);
      for (let i = 0; i < this.n; i++) perm[i] = i;
      const rng = new Rng(mixSeed(this.seed, epoch, 0xda7a));
      for (let i = this.n - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        [perm[i], perm[k]] = [perm[k], perm[i]];
      }
      if (this.perms.size > 4) this.perms.clear();
      this.perms.set(epoch, perm);
    }
    return perm[j % this.n];
  }
}
