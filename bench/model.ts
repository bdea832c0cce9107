/**
 * `npm run bench:model [-- --config configs/model-default.json] [--quick] [--json]`: speed of the
 * embedded model on this machine, side by side in one run with the WebAssembly path and PyTorch eager
 * on the same model shape and workload:
 * - the backend this process picks (native TensorFlow where @tensorflow/tfjs-node loads);
 * - the WebAssembly path (a child process with STAR_TFJS_BACKEND=wasm), when the first was not it;
 * - PyTorch eager (bench/torch_model.py) with as many threads as cores, run by STAR_TORCH_PYTHON or
 *   .tools/llm-venv/bin/python (scripts/setup-llm.sh makes it); skipped with a note when neither exists.
 * - with --tf-python, Python TensorFlow training the same shape eager, as one graph (tf.function) and
 *   with XLA (bench/tf_python_model.py, run by .tools/tf-venv/bin/python, which
 *   scripts/setup-tf-python.sh makes; `npm run bench:tf-ceiling` does both): what TensorFlow's own
 *   kernels reach here without the JavaScript binding's per-op dispatch.
 * Each prints training tokens/s (full Adam steps), cached sampling tokens/s at batch 256 and at batch
 * 1, and GFLOP/s; then the ratios. The machine may be shared: ratios measured in the same minutes are
 * what compares, and the load average is printed. With --json the last stdout line is one JSON object:
 * {backend, train_tokens_per_s, sample_b256_tokens_per_s, sample_b1_tokens_per_s, torch: {...} | null}.
 * `--self` (internal) measures this process only and prints its JSON line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  arithmeticTokenizer,
  createModel,
  freshAdam,
  initBackend,
  optimizerStep,
  parameterCount,
  readModelConfig,
  sampleWithCount,
  shutdownComputePool,
  workerCount,
  type EmbeddedModel,
  type ModelConfig,
} from '../model';

const BATCH = 16;
const GEN = 96;
const BIG_BATCH = 256;

interface Speeds {
  train_tokens_per_s: number;
  sample_b256_tokens_per_s: number;
  sample_b1_tokens_per_s: number;
}

/** Multiply-add FLOPs of one token through the model (forward), attention over `ctx` positions. */
function forwardFlopsPerToken(c: ModelConfig, ctx: number): number {
  const d = c.d_model;
  const dense = c.layers * (d * 3 * d + d * d + 2 * d * c.d_ff) + d * c.n_vocab;
  return 2 * dense + c.layers * 4 * ctx * d;
}

function trainingChunks(c: ModelConfig, count: number): Int32Array[] {
  const tok = arithmeticTokenizer();
  const ids: number[] = [];
  let i = 0;
  while (ids.length < count * (c.seq + 1)) {
    const a = 10000 + ((i * 7919) % 89999);
    const b = 10000 + ((i * 104729) % 89999);
    ids.push(
      ...tok.encode(
        `Input:\n${a} + ${b}\nTarget:\n<scratch>\n${String(a + b)
          .split('')
          .join(' ')}\n</scratch>\n${a + b}\n<|endoftext|>`,
      ),
    );
    i++;
  }
  return Array.from({ length: count }, (_, k) => Int32Array.from(ids.slice(k * (c.seq + 1), (k + 1) * (c.seq + 1))));
}

/**
 * Tokens per wall-clock second. Also records tokens per CPU-second of this process x cores: on a
 * shared, overloaded machine that estimates what the same code does on an idle one (`--self` prints it).
 */
const idleEstimates: number[] = [];
async function timed(run: () => Promise<number>): Promise<number> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const tokens = await run();
  const cpu = process.cpuUsage(cpu0);
  idleEstimates.push(tokens / ((cpu.user + cpu.system) / 1e6 / availableParallelism()));
  return tokens / ((performance.now() - t0) / 1000);
}

/** Full optimizer steps as model/train.ts runs them: gradients, host Adam, weight upload. */
async function trainSpeed(model: EmbeddedModel, steps: number): Promise<number> {
  const c = model.config;
  const chunks = trainingChunks(c, BATCH);
  const adam = freshAdam(model.weights.map((w) => w.data.length));
  const step = () => optimizerStep(model, [chunks], adam, { lr: 1e-4, warmupSteps: 0 });
  await step(); // warm-up: kernel set-up, memory growth, worker start
  return timed(async () => {
    for (let s = 0; s < steps; s++) await step();
    return steps * BATCH * c.seq;
  });
}

async function sampleSpeed(model: EmbeddedModel, batch: number): Promise<number> {
  const prompts = Array.from({ length: batch }, (_, i) => ({ prompt: `Input:\n${1000 + i} + ${2000 + 3 * i}\nTarget:\n`, seed: i }));
  await sampleWithCount(model, prompts.slice(0, Math.min(batch, 4)), { genLength: 4, temperature: 0, topP: 1, batchSize: batch });
  return timed(
    async () => (await sampleWithCount(model, prompts, { genLength: GEN, temperature: 0.01, topP: 0.9, batchSize: batch })).tokens,
  );
}

/** This process's backend and code path. */
async function measureSelf(config: ModelConfig, quick: boolean): Promise<Speeds> {
  const model = createModel(config, { seed: 1 });
  const train = await trainSpeed(model, quick ? 2 : 4);
  // A random model may end a text after a few tokens; measure full-length generation instead. With
  // lnf.b = 1 and the head's end-of-text column -1, that logit is -sum(xhat + 1) = -d_model.
  const weights = model.weights.map((w) => ({ ...w, data: w.data.slice() }));
  weights.find((w) => w.name === 'lnf.b')!.data.fill(1);
  const headW = weights.find((w) => w.name === 'head')!.data;
  for (let j = 0; j < config.d_model; j++) headW[j * config.n_vocab + model.tokenizer.eotId] = -1;
  model.setWeights(weights);
  const big = await sampleSpeed(model, BIG_BATCH);
  const one = await sampleSpeed(model, 1);
  model.dispose();
  await shutdownComputePool();
  return { train_tokens_per_s: train, sample_b256_tokens_per_s: big, sample_b1_tokens_per_s: one };
}

const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? 'null');

function measureWasm(configPath: string, quick: boolean): Speeds | string {
  const args = ['--import', 'tsx', __filename, '--self', '--config', configPath, ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, STAR_TFJS_BACKEND: 'wasm' }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `failed (${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')})`;
  return lastJson(r.stdout) as Speeds;
}

function torchPython(): string | undefined {
  const fromEnv = process.env.STAR_TORCH_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = join(__dirname, '..', '.tools', 'llm-venv', 'bin', 'python');
  return existsSync(venv) ? venv : undefined;
}

/** The model's shape and the training workload as the Python benchmarks take them (--name value). */
const shapeFlags = (c: ModelConfig, quick: boolean, threads: number) => ({
  layers: c.layers,
  width: c.d_model,
  heads: c.n_heads,
  vocab: c.n_vocab,
  seq: c.seq,
  batch: BATCH,
  steps: quick ? 2 : 4,
  threads,
});

/** Runs bench/`script` with `python`: its last stdout line parsed, or why it failed. */
function runPythonBench<T>(python: string, script: string, flags: Record<string, number>): T | string {
  const args = [join(__dirname, script), ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `failed (${python}: ${(r.error?.message ?? r.stderr).trim().split('\n').slice(-2).join(' | ')})`;
  return lastJson(r.stdout) as T;
}

function measureTorch(python: string, c: ModelConfig, quick: boolean, threads: number): Speeds | string {
  return runPythonBench<Speeds>(python, 'torch_model.py', { ...shapeFlags(c, quick, threads), gen: GEN });
}

interface TfPython {
  train_tokens_per_s: { eager: number; function: number; xla: number };
  tensorflow: string;
}

function measureTfPython(c: ModelConfig, quick: boolean, threads: number): TfPython | string {
  const python = process.env.STAR_TF_PYTHON ?? join(__dirname, '..', '.tools', 'tf-venv', 'bin', 'python');
  if (!existsSync(python)) return 'skipped (no .tools/tf-venv; run scripts/setup-tf-python.sh)';
  return runPythonBench<TfPython>(python, 'tf_python_model.py', shapeFlags(c, quick, threads));
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'configs/model-default.json' },
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      self: { type: 'boolean' },
      'tf-python': { type: 'boolean' },
    },
  });
  const quiet = values.self || values.json;
  const backend = await initBackend(quiet ? () => {} : undefined);
  const config = await readModelConfig(values.config!);
  const quick = values.quick ?? false;
  if (values.self) {
    const speeds = await measureSelf(config, quick);
    const [train, b256, b1] = idleEstimates.map((x) => Math.round(x));
    console.log(
      JSON.stringify({
        ...speeds,
        idle_estimate: { train_tokens_per_s: train, sample_b256_tokens_per_s: b256, sample_b1_tokens_per_s: b1 },
      }),
    );
    return;
  }
  const cores = availableParallelism();
  const threads =
    workerCount() > 1 ? `${workerCount()} worker threads` : backend === 'tensorflow' ? "TensorFlow's thread pool" : '1 thread';
  console.log(
    `model ${values.config}: ${config.layers} layers, width ${config.d_model}, ${config.n_heads} heads, seq ${config.seq}, vocab ${config.n_vocab}, ${parameterCount(config)} parameters`,
  );
  console.log(`${cores} cores; load average at start: ${load()}`);
  const trainFlops = 3 * forwardFlopsPerToken(config, config.seq);
  const sampleFlops = forwardFlopsPerToken(config, 20 + GEN / 2);
  const rows: [string, Speeds | string][] = [];
  rows.push([`${backend} (${threads})`, await measureSelf(config, quick)]);
  if (backend !== 'wasm') rows.push(['wasm path (STAR_TFJS_BACKEND=wasm)', measureWasm(values.config!, quick)]);
  const python = torchPython();
  const torch = python ? measureTorch(python, config, quick, cores) : 'skipped (no venv; run scripts/setup-llm.sh)';
  rows.push([`torch eager (${cores} threads)`, torch]);
  const tfPython = values['tf-python'] ? measureTfPython(config, quick, cores) : undefined;

  console.log(
    `training: batch ${BATCH} x ${config.seq} tokens, full Adam steps (${(trainFlops / 1e6).toFixed(2)} MFLOP/token); ` +
      `cached sampling: prompt ~20 tokens, ${GEN} generated, temperature 0.01, top-p 0.9`,
  );
  const cell = (v: number, flops: number) => `${v.toFixed(0).padStart(7)} tok/s ${((v * flops) / 1e9).toFixed(1).padStart(5)} GFLOP/s`;
  console.log(`  ${''.padEnd(40)} ${'train'.padEnd(27)} ${`sample b${BIG_BATCH}`.padEnd(27)} sample b1`);
  for (const [label, s] of rows) {
    if (typeof s === 'string') console.log(`  ${label.padEnd(40)} ${s}`);
    else
      console.log(
        `  ${label.padEnd(40)} ${cell(s.train_tokens_per_s, trainFlops)}   ${cell(s.sample_b256_tokens_per_s, sampleFlops)}   ${cell(s.sample_b1_tokens_per_s, sampleFlops)}`,
      );
  }
  if (typeof tfPython === 'string') console.log(`  ${'python tensorflow'.padEnd(40)} ${tfPython}`);
  else if (tfPython) {
    for (const [mode, v] of Object.entries(tfPython.train_tokens_per_s)) {
      console.log(`  ${`python tensorflow ${tfPython.tensorflow} ${mode}`.padEnd(40)} ${cell(v, trainFlops)}   (training only)`);
    }
  }
  const ours = rows[0][1] as Speeds;
  const ratio = (label: string, other: Speeds | string) => {
    if (typeof other === 'string') return;
    const r = (k: keyof Speeds) => `${(ours[k] / other[k]).toFixed(2)}x`;
    console.log(
      `  ${backend} / ${label}: train ${r('train_tokens_per_s')}, sample b${BIG_BATCH} ${r('sample_b256_tokens_per_s')}, sample b1 ${r('sample_b1_tokens_per_s')}`,
    );
  };
  if (rows.length > 2) ratio('wasm path', rows[1][1]);
  ratio('torch eager', torch);
  if (tfPython && typeof tfPython !== 'string' && typeof torch !== 'string') {
    const t = tfPython.train_tokens_per_s;
    const r = (v: number) => `${(v / torch.train_tokens_per_s).toFixed(2)}x`;
    console.log(`  python tensorflow / torch eager, training: eager ${r(t.eager)}, graph ${r(t.function)}, XLA ${r(t.xla)}`);
  }
  console.log(`load average at end: ${load()}`);
  if (values.json) {
    const pick = (s: Speeds) => ({
      train_tokens_per_s: s.train_tokens_per_s,
      sample_b256_tokens_per_s: s.sample_b256_tokens_per_s,
      sample_b1_tokens_per_s: s.sample_b1_tokens_per_s,
    });
    console.log(JSON.stringify({ backend, ...pick(ours), torch: typeof torch === 'string' ? null : pick(torch) }));
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
