import * as tf from '@tensorflow/tfjs-core';
import { completionStopReason, type CompletionStopRule } from '../core/completion-stop';
import type { EmbeddedModel } from './embedded-model';
import { mixSeed, Rng } from './rng';
import { initBackend, modelBackend } from './backend';
import type { Decoder, Layers, ModelBackend } from './model-backend';
import { prefill } from './transformer';

export interface SampleRequest {
  prompt: string;
  /** Seeds this request's own generator: its output does not depend on the other requests. */
  seed: number;
  /** Keep only the prompt's last this many tokens (besides the model's own limit, seq - genLength). */
  maxPromptTokens?: number;
}

export interface SampleOptions {
  genLength: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /**
   * Stop a sequence at its first end-of-text (default true). False goes on to genLength, as the
   * reference's sampler did: its checkers can read past an end-of-text (docs/reference-differences.md).
   */
  stopAtEndOfText?: boolean;
  /**
   * Stop a row early where this rule says (core/completion-stop.ts), checked on its text after every
   * token; other rows of the batch go on as they would.
   */
  stopRule?: CompletionStopRule;
  /** Rows decoded together (default 128; with worker threads, at most an even share per worker). */
  batchSize?: number;
  /** Called with the number of requests finished so far. */
  onProgress?: (done: number) => void;
}

/** The texts of `sample` and how many tokens were generated in all (benchmarks). */
export interface SampleResult {
  texts: string[];
  tokens: number;
  /** Rows the stop rule ended before end-of-text or genLength. */
  stoppedByRule: number;
}

/**
 * Samples the requests: on the backend's worker threads when there are any, else on this thread
 * (`sampleInProcess`). `backend` defaults to the one chosen at start-up.
 */
export async function sample(
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
  backend?: ModelBackend,
): Promise<string[]> {
  return (await sampleWithCount(model, requests, options, backend)).texts;
}

/** The texts of `sample` and how many tokens were generated in all (benchmarks). */
export async function sampleWithCount(
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
  backend?: ModelBackend,
): Promise<SampleResult> {
  validateOptions(options);
  const chosen = backend ?? (await startupBackend());
  const pool = requests.length >= 2 ? chosen.pool() : undefined;
  if (pool) return pool.sample(model, requests, options);
  return sampleInProcess(model, requests, options, chosen);
}

async function startupBackend(): Promise<ModelBackend> {
  await initBackend();
  return modelBackend();
}

/**
 * Batched generation with a key/value cache, on this thread. Requests are grouped by prompt length
 * (less padding), left-padded, and decoded together with the backend's decoder; each request draws
 * from its own seeded generator, so its text depends only on (model, prompt, seed, options).
 * Caveat: the batch's padding changes the shapes the kernels see; masked positions contribute exact
 * zeros, so results agree across batchings on the backends measured here, but a backend with
 * shape-dependent accumulation order could differ in the last bits of a logit and so, very rarely,
 * at a near-tie. A continuation that ends at end-of-text ends with the literal `<|endoftext|>`.
 */
export async function sampleInProcess(
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
  backend: ModelBackend,
): Promise<SampleResult> {
  return generate(model, requests, options, backend.layers, () => backend.decoder(model));
}

export function validateOptions(options: SampleOptions): void {
  if (!Number.isInteger(options.genLength) || options.genLength < 1)
    throw new Error(`genLength must be a positive integer, got ${options.genLength}`);
  if (!(options.temperature >= 0)) throw new Error(`temperature must be >= 0, got ${options.temperature}`);
  if (!(options.topP > 0 && options.topP <= 1)) throw new Error(`topP must be in (0, 1], got ${options.topP}`);
}

/**
 * The same generation re-running the whole sequence for every token (no cache), in the backend's
 * layers (default: the one chosen at start-up): the reference for tests.
 */
export async function sampleUncached(
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
  backend?: ModelBackend,
): Promise<string[]> {
  const chosen = backend ?? (await startupBackend());
  return (await generate(model, requests, options, chosen.layers, 'uncached')).texts;
}

/** How a batch is decoded: a fresh cached decoder per batch, or 'uncached' (the whole sequence again per token). */
type DecoderSource = (() => Decoder) | 'uncached';

async function generate(
  model: EmbeddedModel,
  requests: SampleRequest[],
  options: SampleOptions,
  layers: Layers,
  decoding: DecoderSource,
): Promise<SampleResult> {
  const { config: c, tokenizer } = model;
  validateOptions(options);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 128));
  const maxPrompt = Math.max(1, c.seq - options.genLength);
  const prompts = requests.map((r) => {
    const ids = tokenizer.encode(r.prompt);
    const keep = Math.min(maxPrompt, r.maxPromptTokens ?? maxPrompt);
    return ids.length === 0 ? [tokenizer.eotId] : ids.slice(Math.max(0, ids.length - keep));
  });
  const order = requests.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length || a - b);
  const results = new Array<string>(requests.length);
  let finished = 0;
  let tokens = 0;
  let stoppedByRule = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const { outputs, stopped } = decodeBatch(
      model,
      layers,
      rows.map((i) => prompts[i]),
      rows.map((i) => requests[i].seed),
      options,
      decoding,
    );
    rows.forEach((row, j) => (results[row] = tokenizer.decode(outputs[j])));
    tokens += outputs.reduce((n, o) => n + o.length, 0);
    stoppedByRule += stopped;
    finished += rows.length;
    options.onProgress?.(finished);
    await new Promise((resolve) => setImmediate(resolve)); // let heartbeats and timers run between batches
  }
  return { texts: results, tokens, stoppedByRule };
}

function decodeBatch(
  model: EmbeddedModel,
  layers: Layers,
  prompts: number[][],
  seeds: number[],
  options: SampleOptions,
  decoding: DecoderSource,
): { outputs: number[][]; stopped: number } {
  const { config: c, tokenizer } = model;
  const batch = prompts.length;
  const len = Math.max(...prompts.map((p) => p.length));
  const pad = prompts.map((p) => len - p.length);
  const tokens = new Int32Array(batch * (len + options.genLength));
  const width = len + options.genLength;
  prompts.forEach((p, b) => tokens.set(p, b * width + pad[b]));
  const rngs = seeds.map((s) => new Rng(mixSeed(s, 0x5a4d)));
  const outputs: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  let stopped = 0;
  /** Whether row b is finished after its latest token `id`, `step` steps in. */
  const finished = (b: number, id: number, step: number): boolean => {
    if (id === tokenizer.eotId && options.stopAtEndOfText !== false) return true;
    if (outputs[b].length >= options.genLength || len + step + 1 - pad[b] >= c.seq) return true;
    if (options.stopRule === undefined || completionStopReason(tokenizer.decode(outputs[b]), options.stopRule) === undefined) return false;
    stopped++;
    return true;
  };
  if (decoding === 'uncached') {
    // Reference path for tests: the whole sequence again for every token, no compaction.
    const w = model.tensors();
    let logits = tf.tidy(() => prefill(layers, c, w, sliceColumns(tokens, batch, width, len), batch, len, pad).logits);
    for (let step = 0; ; step++) {
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const id = pickToken(values.subarray(b * c.n_vocab, (b + 1) * c.n_vocab), tokenizer.vocabSize, options, rngs[b]);
        outputs[b].push(id);
        tokens[b * width + len + step] = id;
        if (finished(b, id, step)) done[b] = true;
      }
      if (done.every(Boolean)) break;
      const t = len + step + 1;
      logits = tf.tidy(() => prefill(layers, c, w, sliceColumns(tokens, batch, width, t), batch, t, pad).logits);
    }
    return { outputs, stopped };
  }
  const decoder = decoding();
  try {
    let logits = tf.tidy(() => decoder.prefill(sliceColumns(tokens, batch, width, len), batch, len, pad, width));
    // Cache row i decodes request rows[i]; finished rows are dropped once a quarter of them is done.
    let rows = prompts.map((_, b) => b);
    for (let step = 0; ; step++) {
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      const next = new Int32Array(rows.length);
      rows.forEach((b, i) => {
        if (done[b]) return;
        const id = pickToken(values.subarray(i * c.n_vocab, (i + 1) * c.n_vocab), tokenizer.vocabSize, options, rngs[b]);
        next[i] = id;
        outputs[b].push(id);
        if (finished(b, id, step)) done[b] = true;
      });
      const active = rows.map((b, i) => (done[b] ? -1 : i)).filter((i) => i >= 0);
      if (active.length === 0) break;
      let feed = next;
      if (active.length <= 0.75 * rows.length) {
        decoder.select(active);
        feed = Int32Array.from(active, (i) => next[i]);
        rows = active.map((i) => rows[i]);
      }
      const positions = Int32Array.from(rows, (b) => Math.min(c.seq - 1, len + step - pad[b]));
      logits = tf.tidy(() => decoder.step(feed, positions));
    }
  } finally {
    decoder.dispose();
  }
  return { outputs, stopped };
}

function sliceColumns(tokens: Int32Array, batch: number, width: number, len: number): Int32Array {
  const out = new Int32Array(batch * len);
  for (let b = 0; b < batch; b++) out.set(tokens.subarray(b * width, b * width + len), b * len);
  return out;
}

/**
 * Greedy at temperature 0; otherwise nucleus (top-p) sampling at the temperature, in float64: the
 * most likely tokens are taken (highest first, ties by id) until their mass reaches topP, then one
 * is drawn in proportion. The nucleus is found by repeated selection rather than a full sort: at
 * STaR's near-greedy settings (temperature 0.01, top-p 0.9) it is one or two tokens.
 */
export function pickToken(logits: Float32Array, vocabSize: number, options: Pick<SampleOptions, 'temperature' | 'topP'>, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < vocabSize; i++) if (logits[i] > logits[best]) best = i;
  if (options.temperature === 0) return best;
  const max = logits[best];
  if (pickScratch.probs.length < vocabSize) pickScratch = { probs: new Float64Array(vocabSize), candidates: new Int32Array(vocabSize) };
  // Buffers reused across calls (only this call's candidates are read, all written first).
  const { probs, candidates } = pickScratch;
  let total = 0;
  let count = 0;
  // exp underflows to exactly 0 in float64 below -745; skipping those calls changes nothing. Only
  // these candidates (in id order, so ties still go to the lower id) are searched for the nucleus.
  const floor = max - 745 * options.temperature;
  for (let i = 0; i < vocabSize; i++) {
    if (logits[i] > floor) {
      const p = Math.exp((logits[i] - max) / options.temperature);
      if (p > 0) {
        total += probs[i] = p;
        candidates[count++] = i;
      }
    }
  }
  const nucleus: number[] = [];
  let mass = 0;
  while (nucleus.length === 0 || mass < options.topP) {
    let pick = -1;
    for (let c = 0; c < count; c++) {
      const i = candidates[c];
      if (probs[i] > 0 && (pick < 0 || probs[i] > probs[pick])) pick = i;
    }
    if (pick < 0) break;
    nucleus.push(pick);
    mass += probs[pick] / total;
    probs[pick] = -probs[pick]; // taken
  }
  let u = rng.next() * mass;
  let chosen = nucleus[nucleus.length - 1];
  for (const id of nucleus) {
    u -= -probs[id] / total;
    if (u < 0) {
      chosen = id;
      break;
    }
  }
  return chosen;
}

let pickScratch = { probs: new Float64Array(0), candidates: new Int32Array(0) };
