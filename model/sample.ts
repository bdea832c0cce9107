import * as tf from '@tensorflow/tfjs-core';
import { parallelSample, poolAvailable } from './compute-pool';
import type { EmbeddedModel } from './embedded-model';
import { mixSeed, Rng } from './rng';
import { decodeStep, disposeCache, prefill, type KvCache } from './transformer';

export interface SampleRequest {
  prompt: string;
  /** Seeds this request's own generator: its output does not depend on the other requests. */
  seed: number;
}

export interface SampleOptions {
  genLength: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /** Rows decoded together (default 64). */
  batchSize?: number;
  /** Called with the number of requests finished so far. */
  onProgress?: (done: number) => void;
}

/**
 * Batched generation with a key/value cache. Requests are grouped by prompt length (less padding),
 * left-padded, and decoded together; each request draws from its own seeded generator, so its text
 * depends only on (model, prompt, seed, options). Caveat: the batch's padding changes the shapes the
 * kernels see; masked positions contribute exact zeros, so results agree across batchings on the
 * backends measured here, but a backend with shape-dependent accumulation order could differ in the
 * last bits of a logit and so, very rarely, at a near-tie.
 * A continuation that ends at end-of-text ends with the literal `<|endoftext|>`.
 */
export async function sample(model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions): Promise<string[]> {
  validateOptions(options);
  if (requests.length >= 2 && poolAvailable()) return parallelSample(model, requests, options);
  return generate(model, requests, options, true);
}

/** `sample` on this thread only (what each worker thread runs). */
export async function sampleInProcess(model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions): Promise<string[]> {
  return generate(model, requests, options, true);
}

function validateOptions(options: SampleOptions): void {
  if (!Number.isInteger(options.genLength) || options.genLength < 1) throw new Error(`genLength must be a positive integer, got ${options.genLength}`);
  if (!(options.temperature >= 0)) throw new Error(`temperature must be >= 0, got ${options.temperature}`);
  if (!(options.topP > 0 && options.topP <= 1)) throw new Error(`topP must be in (0, 1], got ${options.topP}`);
}

/** The same generation re-running the whole sequence for every token (no cache): the reference for tests. */
export async function sampleUncached(model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions): Promise<string[]> {
  return generate(model, requests, options, false);
}

async function generate(model: EmbeddedModel, requests: SampleRequest[], options: SampleOptions, cached: boolean): Promise<string[]> {
  const { config: c, tokenizer } = model;
  validateOptions(options);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
  const maxPrompt = Math.max(1, c.seq - options.genLength);
  const prompts = requests.map((r) => {
    const ids = tokenizer.encode(r.prompt);
    return ids.length === 0 ? [tokenizer.eotId] : ids.slice(Math.max(0, ids.length - maxPrompt));
  });
  const order = requests.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length || a - b);
  const results = new Array<string>(requests.length);
  let finished = 0;
  const w = model.tensors();
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const outputs = decodeBatch(model, w, rows.map((i) => prompts[i]), rows.map((i) => requests[i].seed), options, cached);
    rows.forEach((row, j) => (results[row] = tokenizer.decode(outputs[j])));
    finished += rows.length;
    options.onProgress?.(finished);
    await new Promise((resolve) => setImmediate(resolve)); // let heartbeats and timers run between batches
  }
  return results;
}

function decodeBatch(
  model: EmbeddedModel,
  w: ReturnType<EmbeddedModel['tensors']>,
  prompts: number[][],
  seeds: number[],
  options: SampleOptions,
  cached: boolean,
): number[][] {
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
  let cache: KvCache | undefined;
  try {
    let logits = tf.tidy(() => {
      const r = prefill(c, w, sliceColumns(tokens, batch, width, len), batch, len, pad);
      if (cached) cache = r.cache;
      else disposeCache(r.cache);
      return r.logits;
    });
    for (let step = 0; ; step++) {
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      const next = new Int32Array(batch);
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const id = pickToken(values.subarray(b * c.n_vocab, (b + 1) * c.n_vocab), tokenizer.vocabSize, options, rngs[b]);
        next[b] = id;
        outputs[b].push(id);
        tokens[b * width + len + step] = id;
        const realLength = len + step + 1 - pad[b];
        if (id === tokenizer.eotId || outputs[b].length >= options.genLength || realLength >= c.seq) done[b] = true;
      }
      if (done.every(Boolean)) break;
      const t = len + step + 1;
      if (cached) {
        const positions = new Int32Array(batch);
        for (let b = 0; b < batch; b++) positions[b] = Math.min(c.seq - 1, len + step - pad[b]);
        const kv = cache!;
        logits = tf.tidy(() => decodeStep(c, w, kv, next, positions));
      } else {
        logits = tf.tidy(() => {
          const r = prefill(c, w, sliceColumns(tokens, batch, width, t), batch, t, pad);
          disposeCache(r.cache);
          return r.logits;
        });
      }
    }
  } finally {
    if (cache) disposeCache(cache);
  }
  return outputs;
}

function sliceColumns(tokens: Int32Array, batch: number, width: number, len: number): Int32Array {
  const out = new Int32Array(batch * len);
  for (let b = 0; b < batch; b++) out.set(tokens.subarray(b * width, b * width + len), b * len);
  return out;
}

/** Greedy at temperature 0; otherwise nucleus (top-p) sampling at the temperature, in float64. */
export function pickToken(logits: Float32Array, vocabSize: number, options: Pick<SampleOptions, 'temperature' | 'topP'>, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < vocabSize; i++) if (logits[i] > logits[best]) best = i;
  if (options.temperature === 0) return best;
  const max = logits[best];
  const ids: number[] = [];
  const probs: number[] = [];
  let total = 0;
  for (let i = 0; i < vocabSize; i++) {
    const p = Math.exp((logits[i] - max) / options.temperature);
    if (p > 0) {
      ids.push(i);
      probs.push(p);
      total += p;
    }
  }
  const ranked = ids.map((id, k) => ({ id, p: probs[k] / total })).sort((a, b) => b.p - a.p || a.id - b.id);
  let keep = 0;
  let mass = 0;
  while (keep < ranked.length && (keep === 0 || mass < options.topP)) mass += ranked[keep++].p;
  let u = rng.next() * mass;
  for (let k = 0; k < keep; k++) {
    u -= ranked[k].p;
    if (u < 0) return ranked[k].id;
  }
  return ranked[keep - 1].id;
}
