/**
 * `npx tsx bench/model.ts [--config configs/model-small.json] [--quick]`: speed of the embedded model
 * on this machine, measured side by side with a plain-tfjs baseline in the same run.
 * Prints the backend, training tokens/s (full optimizer steps), cached sampling tokens/s at batch 1
 * and at a large batch, achieved GFLOP/s, and the ratios against the baseline and the targets.
 */
import { parseArgs } from 'node:util';
import { adamUpdate, freshAdam } from '../model/adam';
import { initBackend } from '../model/backend';
import { readModelConfig, type ModelConfig } from '../model/config';
import { createModel, type EmbeddedModel } from '../model/embedded-model';
import { parallelGradientSum, shutdownComputePool, workerCount } from '../model/compute-pool';
import { gradientSum } from '../model/gradients';
import { setGradientMode } from '../model/ops';
import { parameterCount } from '../model/params';
import { sample } from '../model/sample';
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

/** Tokens/s of full optimizer steps (forward, backward, Adam, weight upload). */
async function trainSpeed(model: EmbeddedModel, batch: number, steps: number, parallel: boolean): Promise<number> {
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
  await step(); // warm-up: kernel set-up, memory growth
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await step();
  return (steps * batch * c.seq) / ((performance.now() - t0) / 1000);
}

async function sampleSpeed(model: EmbeddedModel, batch: number, genLength: number): Promise<number> {
  const prompts = Array.from({ length: batch }, (_, i) => ({ prompt: `Input:\n${1000 + i} + ${2000 + 3 * i}\nTarget:\n`, seed: i }));
  await sample(model, prompts.slice(0, Math.min(batch, 4)), { genLength: 4, temperature: 0, topP: 1, batchSize: batch });
  const t0 = performance.now();
  const out = await sample(model, prompts, { genLength, temperature: 0.01, topP: 0.9, batchSize: batch });
  const seconds = (performance.now() - t0) / 1000;
  const tokens = out.reduce((n, text) => n + model.tokenizer.encode(text).length, 0);
  return tokens / seconds;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'configs/model-small.json' }, quick: { type: 'boolean' } } });
  const backend = await initBackend();
  const config = await readModelConfig(values.config!);
  const quick = values.quick ?? false;
  const batch = 16;
  const steps = quick ? 2 : 4;
  const model = createModel(config, { seed: 1 });
  console.log(`backend: ${backend}; model ${values.config}: ${config.layers} layers, width ${config.d_model}, ${config.n_heads} heads, seq ${config.seq}, vocab ${config.n_vocab}, ${parameterCount(config)} parameters`);

  const trainFlops = 3 * forwardFlopsPerToken(config, config.seq);
  setGradientMode('plain');
  const baseTrain = await trainSpeed(model, batch, 1, false);
  setGradientMode('fast');
  const oneThread = await trainSpeed(model, batch, steps, false);
  const workers = workerCount();
  const ourTrain = workers > 1 ? await trainSpeed(model, batch, steps, true) : oneThread;
  const gflops = (tps: number) => `${((tps * trainFlops) / 1e9).toFixed(2)} GFLOP/s`;
  console.log(`training (batch ${batch} x ${config.seq} tokens, full Adam steps; ${(trainFlops / 1e6).toFixed(2)} MFLOP/token):`);
  console.log(`  baseline, plain tfjs (built-in gradients, batched attention), 1 thread: ${baseTrain.toFixed(0)} tokens/s, ${gflops(baseTrain)}`);
  console.log(`  embedded model, 1 thread:  ${oneThread.toFixed(0)} tokens/s, ${gflops(oneThread)}  (x${(oneThread / baseTrain).toFixed(2)} baseline)`);
  console.log(`  embedded model, ${workers} workers: ${ourTrain.toFixed(0)} tokens/s, ${gflops(ourTrain)}` +
    `  (x${(ourTrain / baseTrain).toFixed(2)} baseline, x${(ourTrain / NOTES_TRAIN).toFixed(2)} the notes' ${NOTES_TRAIN}, target ${TARGET_TRAIN}: ${ourTrain >= TARGET_TRAIN ? 'met' : 'NOT met'})`);

  const genLength = 96;
  const bigBatch = 256;
  const ctx = 20 + genLength / 2;
  const sampleFlops = forwardFlopsPerToken(config, ctx) - 2 * config.d_model * config.n_vocab; // gather, not one-hot
  const one = await sampleSpeed(model, 1, genLength);
  const big = await sampleSpeed(model, bigBatch, genLength);
  console.log(`cached sampling (prompt ~20 tokens, ${genLength} generated, temperature 0.01, top-p 0.9):`);
  console.log(`  batch 1:   ${one.toFixed(0)} tokens/s, ${((one * sampleFlops) / 1e9).toFixed(2)} GFLOP/s`);
  console.log(`  batch ${bigBatch}: ${big.toFixed(0)} tokens/s, ${((big * sampleFlops) / 1e9).toFixed(2)} GFLOP/s` +
    `  (x${(big / NOTES_SAMPLE).toFixed(2)} the notes' ${NOTES_SAMPLE} at batch 32, target ${TARGET_SAMPLE}: ${big >= TARGET_SAMPLE ? 'met' : 'NOT met'})`);
  model.dispose();
  await shutdownComputePool();
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
