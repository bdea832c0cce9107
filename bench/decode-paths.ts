/**
 * `npx tsx bench/decode-paths.ts [configs/model-default.json] [rounds]`: on the tensorflow backend,
 * cached sampling with the cache as TensorFlow tensors ('tensor-cache', the default there) against
 * the host cache of the WebAssembly design ('host-cache'), interleaved in one process so that a
 * shared, noisy machine slows both alike. Same workload as bench/model.ts (prompt ~20 tokens, 96
 * generated, temperature 0.01, top-p 0.9; a random model whose end-of-text logit is pushed down so
 * every row generates the full length). Prints tokens/s per round and the ratio of the medians.
 */
import { loadavg } from 'node:os';
import { createModel, createModelBackend, initBackend, readModelConfig, sampleWithCount, type ModelBackend } from '../model';

type DecodePath = 'host-cache' | 'tensor-cache';
const PATHS: DecodePath[] = ['host-cache', 'tensor-cache'];
const BACKENDS: Record<DecodePath, ModelBackend> = {
  'host-cache': createModelBackend('native-tf', { decodeCache: 'host' }),
  'tensor-cache': createModelBackend('native-tf'),
};

async function main(): Promise<void> {
  const backend = await initBackend(() => {});
  if (backend !== 'tensorflow')
    throw new Error(`the tensor cache needs the tensorflow backend, not ${backend}; run npm install (it sets up tfjs-node)`);
  const configPath = process.argv[2] ?? 'configs/model-default.json';
  const rounds = Number(process.argv[3] ?? 3);
  const config = await readModelConfig(configPath);
  const model = createModel(config, { seed: 1 });
  const weights = model.weights.map((w) => ({ ...w, data: w.data.slice() }));
  weights.find((w) => w.name === 'lnf.b')!.data.fill(1);
  const head = weights.find((w) => w.name === 'head')!.data;
  for (let j = 0; j < config.d_model; j++) head[j * config.n_vocab + model.tokenizer.eotId] = -1;
  model.setWeights(weights);
  const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const batch of [1, 256]) {
    const prompts = Array.from({ length: batch }, (_, i) => ({ prompt: `Input:\n${1000 + i} + ${2000 + 3 * i}\nTarget:\n`, seed: i }));
    const speeds: Record<string, number[]> = { 'host-cache': [], 'tensor-cache': [] };
    for (const path of PATHS)
      await sampleWithCount(model, prompts.slice(0, 4), { genLength: 4, temperature: 0, topP: 1, batchSize: batch }, BACKENDS[path]);
    for (let r = 0; r < rounds; r++) {
      for (const path of PATHS) {
        const t0 = performance.now();
        const out = await sampleWithCount(
          model,
          prompts,
          { genLength: 96, temperature: 0.01, topP: 0.9, batchSize: batch },
          BACKENDS[path],
        );
        speeds[path].push(out.tokens / ((performance.now() - t0) / 1000));
      }
    }
    const list = (path: string) => speeds[path].map((x) => x.toFixed(0)).join(' ');
    const ratio = median(speeds['tensor-cache']) / median(speeds['host-cache']);
    console.log(
      `${configPath} batch ${batch}: host-cache ${list('host-cache')} | tensor-cache ${list('tensor-cache')} tokens/s | ` +
        `tensor / host ${ratio.toFixed(2)}x | load ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}`,
    );
  }
  model.dispose();
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
