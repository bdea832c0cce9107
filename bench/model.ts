/**
 * `npx tsx bench/model.ts [--config configs/model-small.json] [--quick]`: speed of the embedded model
 * on this machine, measured side by side with a plain-tfjs baseline in the same run.
 * Prints the backend, training tokens/s (full optimizer steps), cached sampling tokens/s at batch 1
 * and at a large batch, achieved GFLOP/s, and the ratios against the baseline and the targets.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { adamUpdate, freshAdam } from '../model/adam';
import { initBackend } from '../model/backend';
import { readModelConfig, type ModelConfig } from '../model/config';
import { createModel, type EmbeddedModel } from '../model/embedded-model';
import { parallelGradientSum, shutdownComputePool, workerCount } from '../model/compute-pool';
import { gradientSum } from '../model/gradients';
import { setGradientMode } from '../model/ops';
import { parameterCount } from '../model/params';
import { sample, sampleWithCount } from '../model/sample';
import { arithmeticTokenizer } from '../model/tokenizers';

const TARGET_TRAIN = 3000;
const TARGET_SAMPLE = 10000;
const NOTES_TRAIN = 1800;
const NOTES_SAMPLE = 2400;

/** Multiply-add FLOPs of one token through the model (forward), attention over `ctx` positions. */
function forwardFlopsPerToken(c: ModelConfig, ctx: number): number {
  const d = c.d_model;
  const dense = c.layers * (d * 3 * d + d * d + 2 * d * c.d_ff) + 2 * d * c.n_vocab; // head + one-hot embedding
  return 2 * dense + c.layers * 4 * ctx * d;
}

function trainingChunks(c: ModelConfig, count: number): Int32Array[] {
  const tok = arithmeticTokenizer();
  const ids: number[] = [];
  let i = 0;
  while (ids.length < count * (c.seq + 1)) {
    const a = 10000 + ((i * 7919) % 89999);
    const b = 10000 + ((i * 104729) % 89999);
    ids.push(...tok.encode(`Input:\n${a} + ${b}\nTarget:\n<scratch>\n${String(a + b).split('').join(' ')}\n</scratch>\n${a + b}\n<|endoftext|>`));
    i++;
  }
  return Array.from({ length: count }, (_, k) => Int32Array.from(ids.slice(k * (c.seq + 1), (k + 1) * (c.seq + 1))));
}

/**
 * A throughput measured two ways: wall clock, and per CPU-second of this process (all threads).
 * The machine is shared; when other work competes for the cores, tokens / (CPU seconds / threads)
 * estimates what the same code does on an idle machine.
 */
interface Speed {
  wall: number;
  idle: number;
}

async function measure(tokens: () => Promise<number>, threads: number): Promise<Speed> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await tokens();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { wall: n / wall, idle: n / Math.max(1e-9, cpuSeconds / threads) };
}

/** Full optimizer steps (forward, backward, Adam, weight upload) on one thread or the workers. */
async function trainSpeed(model: EmbeddedModel, batch: number, steps: number, parallel: boolean): Promise<Speed> {
  const c = model.config;
  const chunks = trainingChunks(c, batch);
  const names = model.weights.map((w) => w.name);
  const adam = freshAdam(model.weights.map((w) => w.data.length));
  const step = async () => {
    const g = parallel ? await parallelGradientSum(model, chunks) : gradientSum(c, model.tokenizer, names, model.tensors(), chunks);
    const scale = 1 / Math.max(1, g.tokens);
    for (const a of g.grads) for (let i = 0; i < a.length; i++) a[i] *= scale;
    adamUpdate(model.weights.map((w) => w.data), g.grads, adam, 1e-4, 0);
    model.setWeights(model.weights.map((w) => ({ ...w })));
  };
  await step(); // warm-up: kernel set-up, memory growth, worker start
  return measure(async () => {
    for (let s = 0; s < steps; s++) await step();
    return steps * batch * c.seq;
  }, parallel ? workerCount() : 1);
}

async function sampleSpeed(model: EmbeddedModel, batch: number, genLength: number): Promise<Speed> {
  const prompts = Array.from({ length: batch }, (_, i) => ({ prompt: `Input:\n${1000 + i} + ${2000 + 3 * i}\nTarget:\n`, seed: i }));
  await sample(model, prompts.slice(0, Math.min(batch, 4)), { genLength: 4, temperature: 0, topP: 1, batchSize: batch });
  const threads = batch > 1 && workerCount() > 1 ? workerCount() : 1;
  return measure(async () => {
    return (await sampleWithCount(model, prompts, { genLength, temperature: 0.01, topP: 0.9, batchSize: batch })).tokens;
  }, threads);
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'configs/model-small.json' }, quick: { type: 'boolean' } } });
  const backend = await initBackend();
  const config = await readModelConfig(values.config!);
  const quick = values.quick ?? false;
  const batch = 16;
  const steps = quick ? 2 : 4;
  const model = createModel(config, { seed: 1 });
  const workers = workerCount();
  console.log(`backend: ${backend}; ${availableParallelism()} cores, ${workers} worker threads; load average at start: ${load()}`);
  console.log(`model ${values.config}: ${config.layers} layers, width ${config.d_model}, ${config.n_heads} heads, seq ${config.seq}, vocab ${config.n_vocab}, ${parameterCount(config)} parameters`);

  const trainFlops = 3 * forwardFlopsPerToken(config, config.seq);
  const show = (label: string, v: Speed, flops: number, extra = '') =>
    console.log(`  ${label.padEnd(58)} ${v.wall.toFixed(0).padStart(6)} tokens/s (${((v.wall * flops) / 1e9).toFixed(2)} GFLOP/s); idle-machine estimate ${v.idle.toFixed(0).padStart(6)} tokens/s (${((v.idle * flops) / 1e9).toFixed(2)} GFLOP/s)${extra}`);
  setGradientMode('plain');
  const base = await trainSpeed(model, batch, 1, false);
  setGradientMode('fast');
  const one = await trainSpeed(model, batch, steps, false);
  const par = workers > 1 ? await trainSpeed(model, batch, steps, true) : one;
  console.log(`training, batch ${batch} x ${config.seq} tokens, full Adam steps (${(trainFlops / 1e6).toFixed(2)} MFLOP/token):`);
  show('baseline: plain tfjs (built-in gradients, batched attention)', base, trainFlops);
  show('embedded model, 1 thread', one, trainFlops, `  x${(one.wall / base.wall).toFixed(2)} baseline`);
  const verdict = (v: Speed, target: number) => `${v.wall >= target ? 'met' : 'not met'} on the wall clock, ${v.idle >= target ? 'met' : 'not met'} idle-estimated`;
  show(`embedded model, ${workers} worker threads`, par, trainFlops,
    `  x${(par.wall / base.wall).toFixed(2)} baseline; notes' plain wasm ${NOTES_TRAIN}; target ${TARGET_TRAIN}: ${verdict(par, TARGET_TRAIN)}`);

  const genLength = 96;
  const bigBatch = 256;
  const ctx = 20 + genLength / 2;
  const sampleFlops = forwardFlopsPerToken(config, ctx) - 2 * config.d_model * config.n_vocab; // gather, not one-hot
  // A random model may end a text after a few tokens; measure full-length generation instead. With
  // lnf.b = 1 and the head's end-of-text column -1, that logit is -sum(xhat + 1) = -d_model.
  const weights = model.weights.map((w) => ({ ...w, data: w.data.slice() }));
  weights.find((w) => w.name === 'lnf.b')!.data.fill(1);
  const headW = weights.find((w) => w.name === 'head')!.data;
  for (let j = 0; j < config.d_model; j++) headW[j * config.n_vocab + model.tokenizer.eotId] = -1;
  model.setWeights(weights);
  const single = await sampleSpeed(model, 1, genLength);
  const big = await sampleSpeed(model, bigBatch, genLength);
  console.log(`cached sampling, prompt ~20 tokens, ${genLength} generated (end-of-text disabled), temperature 0.01, top-p 0.9:`);
  show('batch 1', single, sampleFlops);
  show(`batch ${bigBatch} (${workers > 1 ? `${workers} worker threads` : '1 thread'})`, big, sampleFlops,
    `  notes' plain wasm ${NOTES_SAMPLE} at batch 32; target ${TARGET_SAMPLE}: ${verdict(big, TARGET_SAMPLE)}`);
  console.log(`load average at end: ${load()}`);
  model.dispose();
  await shutdownComputePool();
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
