/**
 * `npx tsx scripts/pretrain-arithmetic-base.ts [options]`: the reproducible recipe of the arithmetic
 * base model the STaR demo starts from (committed as pretrained/arithmetic-base/; docs/base-model.md).
 *
 * It plays the part GPT-J with a few-shot prompt plays in the paper: it knows the scratchpad format,
 * solves small sums, fails on most larger ones, and can use a hint (the answer-key prompts), so STaR
 * has something to bootstrap. Steps:
 *   1. corpus: seeded n-digit problems (core's generator, its own seed, so no overlap of streams with
 *      the experiment's train/dev splits at seed 0), each written in core's scratchpad format, a share
 *      of them with the hinted context (`Target: 0 8 6`) exactly as rationalization shows it;
 *   2. training from a fresh, seeded init with model/train (Adam, warm-up then constant lr);
 *   3. a report: accuracy by digit count on the dev split the experiment evaluates (1–5) and out of
 *      distribution (6–8), plus how often a hinted retry fixes a failure (what rationalization keeps).
 *
 * The committed base is two runs (pretrained/arithmetic-base/recipe.json has both commands): phase 1 with
 * the defaults below, then phase 2 with --init <phase 1>, a 1–3-digit-heavy corpus with a few 4–5-digit sums, lr 1e-3.
 *
 * Options (defaults = phase 1):
 *   --config configs/model-demo-base.json  model size (4 blocks, width 128, context 128)
 *   --mix 1:3000,2:3000,3:1200,4:300,5:100   plain (hint-free) problems per digit count
 *   --hinted 1:600,2:600,3:600,4:600,5:600   hinted problems per digit count
 *   --steps 1000 --lr 0.002 --warmup 50 --batch 16 --ga 1 --seed 1234 --chunk 129
 *   --out pretrained/arithmetic-base          where the weights-only checkpoint goes
 *   --work .tmp/pretrain-arithmetic-base  scratch (resumable training checkpoints)
 *   --dev-per-digit 100 --ood-per-digit 50 --eval-seed 0
 *   --save-seq 128                       keep only the trained position embeddings (chunk - 1) in the saved base
 *   --init CKPT                          phase 2: start from CKPT (fresh Adam) instead of a fresh init
 *   --eval-only                          skip 1–2, report on the checkpoint at --out
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { arithmeticContext, arithmeticHintedContext, arithmeticProblems, arithmeticTarget } from '../core/arithmetic-problems';
import { keyedSeed, keyedUnit, seededShuffle } from '../core/prng';
import {
  createModel,
  EmbeddedModel,
  initBackend,
  loadModel,
  packRows,
  parameterCount,
  readModelConfig,
  saveCheckpoint,
  shutdownComputePool,
  train,
  type LoadedModel,
} from '../model';
import { writeJson } from '../storage';
import { meanAccuracy, percent, rationalizationCounts } from './arithmetic-accuracy';

interface Recipe {
  config: string;
  mix: Record<number, number>;
  hinted: Record<number, number>;
  steps: number;
  lr: number;
  warmup: number;
  batch: number;
  ga: number;
  seed: number;
  /** Tokens per training chunk (whole problems, end-of-text padded). */
  chunk: number;
  /** Sequence length of the saved base (position embeddings kept); default the config's. */
  saveSeq?: number;
  /** Phase 2: continue from this checkpoint (weights only; fresh Adam) instead of a fresh init. */
  init?: string;
}

function parseMix(text: string, flag: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`${flag}: "${part}" is not digits:count (e.g. ${flag} 1:3000,2:3000,3:1000)`);
    out[Number(m[1])] = Number(m[2]);
  }
  return out;
}

function positiveNumber(value: string, flag: string, integer = true): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

/** The corpus documents (without end-of-text), shuffled with the recipe's seed. */
export function corpusDocuments(recipe: Pick<Recipe, 'mix' | 'hinted' | 'seed'>): string[] {
  const docs: string[] = [];
  const add = (counts: Record<number, number>, hinted: boolean) => {
    for (const [digits, count] of Object.entries(counts)) {
      // split 'train' of a seed of its own: the streams differ from the experiment's (seed 0) and
      // between the plain and hinted parts.
      const seed = keyedSeed(recipe.seed, 'pretrain-corpus', hinted ? 'hinted' : 'plain');
      for (const ex of arithmeticProblems({ digits: [Number(digits)], countPerDigit: count, seed, split: 'train' })) {
        const context = hinted ? arithmeticHintedContext(ex.question) : arithmeticContext(ex.question);
        // The sampler sees `\n\n` + context (core's buildPrompt with an empty few-shot prompt, always
        // in generation pass 1), while saved STaR examples start at `Input:`: half the corpus has the
        // separator in front, so the base model reads both the same way.
        const prefix = keyedUnit(recipe.seed, 'pretrain-prefix', `${hinted ? 'h' : 'p'}:${ex.id}`) < 0.5 ? '\n\n' : '';
        docs.push(prefix + context + arithmeticTarget(ex.question));
      }
    }
  };
  add(recipe.mix, false);
  add(recipe.hinted, true);
  return seededShuffle(docs, keyedSeed(recipe.seed, 'pretrain-corpus', 'order'));
}

/**
 * Packs documents into chunks of `length` tokens without cutting any: each chunk starts at a
 * document start (position 0, where the sampler puts a prompt), takes whole documents (each followed
 * by end-of-text) while they fit, and is filled up with end-of-text ids, which the loss mask skips
 * (an end-of-text alone has no answer marker). Why not core's packChunks: a small model with learned
 * positions learns to copy the operands far faster when many problems start at the same position;
 * the rest, at varying offsets, teach it to read a problem anywhere (as STaR's packed records hold them).
 */
export function packWholeDocuments(docs: number[][], length: number, eotId: number): Int32Array[] {
  const withEnds = docs.map((doc) => [...doc, eotId]);
  for (const withEnd of withEnds) {
    if (withEnd.length > length)
      throw new Error(`a corpus problem has ${withEnd.length} tokens, more than --chunk ${length}: raise --chunk (at most seq + 1)`);
  }
  return packRows(withEnds, length, eotId);
}

async function pretrain(recipe: Recipe, outDir: string, workDir: string): Promise<void> {
  // Phase 2 (--init) continues from a phase-1 checkpoint with its own lr; phase 1 starts fresh.
  const config = recipe.init ? (await loadModel(recipe.init)).config : await readModelConfig(recipe.config);
  const fresh = recipe.init ? await loadModel(recipe.init) : createModel(config, { seed: recipe.seed });
  const docs = corpusDocuments(recipe);
  const chunks = packWholeDocuments(
    docs.map((d) => fresh.tokenizer.encode(d)),
    recipe.chunk,
    fresh.tokenizer.eotId,
  );
  console.log(
    `[pretrain] ${recipe.init ? `from ${recipe.init}` : recipe.config}: ${config.layers} layers, width ${config.d_model}, ${parameterCount(config)} parameters; ` +
      `corpus ${docs.length} problems in ${chunks.length} chunks of ${recipe.chunk} tokens; ` +
      `${recipe.steps} steps x ${recipe.batch * recipe.ga} chunks = ${((recipe.steps * recipe.batch * recipe.ga) / chunks.length).toFixed(2)} epochs`,
  );
  const initUri = recipe.init ? resolve(recipe.init) : resolve(workDir, 'init');
  if (!recipe.init) await saveCheckpoint(fresh, initUri, { step: 0 });
  fresh.dispose();
  const started = Date.now();
  let lastLog = started;
  const result = await train({
    baseCheckpointUri: initUri,
    chunks,
    totalSteps: recipe.steps,
    outputDirUri: resolve(workDir, 'train'),
    checkpointEvery: 100,
    lr: recipe.lr,
    warmupSteps: recipe.warmup,
    batchSize: recipe.batch,
    gradientAccumulationSteps: recipe.ga,
    seed: recipe.seed,
    onProgress: (step, loss) => {
      const now = Date.now();
      if (now - lastLog > 30_000 || step === recipe.steps) {
        lastLog = now;
        const s = (now - started) / 1000;
        console.log(`[pretrain] step ${step}/${recipe.steps} loss ${loss.toFixed(4)} (${s.toFixed(0)} s, ${(s / step).toFixed(2)} s/step)`);
      }
    },
  });
  console.log(`[pretrain] trained in ${((Date.now() - started) / 1000).toFixed(0)} s, final loss ${result.loss.toFixed(4)}`);
  // The committed base: weights only (no Adam moments), step 0, so it is small and every STaR
  // iteration's fine-tuning starts a fresh optimizer from it, as the reference's does.
  const trained = withSeq(await loadModel(result.checkpointUri), recipe.saveSeq ?? config.seq);
  rmSync(outDir, { recursive: true, force: true });
  await saveCheckpoint(trained, outDir, { step: 0 });
  trained.dispose();
  await writeJson(resolve(outDir, 'recipe.json'), {
    comment: 'How this checkpoint was made: npx tsx scripts/pretrain-arithmetic-base.ts with these options (docs/base-model.md).',
    ...recipe,
    corpusProblems: docs.length,
    corpusChunks: chunks.length,
    finalLoss: result.loss,
    trainSeconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(`[pretrain] wrote ${outDir}`);
}

/**
 * The model with only its first `seq` position embeddings. Whole-problem chunks of `--chunk` tokens
 * train positions 0..chunk-2 only; the rest of the table is still the random init. Saving the base
 * with seq = chunk - 1 makes STaR's records (cut into seq + 1 tokens from the base's seq) as long as
 * the pretraining chunks, so fine-tuning never lands on positions the base has never seen.
 */
export function withSeq(model: LoadedModel, seq: number): LoadedModel {
  if (seq >= model.config.seq) return model;
  const d = model.config.d_model;
  const weights = model.weights.map((w) =>
    w.name === 'wpe' ? { name: w.name, shape: [seq, d], data: w.data.slice(0, seq * d) } : { ...w },
  );
  return new EmbeddedModel({ ...model.config, seq }, model.tokenizer, weights, model.step);
}

async function report(model: LoadedModel, devPerDigit: number, oodPerDigit: number, evalSeed: number): Promise<void> {
  // The dev split exactly as the experiment generates it (taskFor: seed, split 'dev', per digit).
  const dev = arithmeticProblems({ digits: [1, 2, 3, 4, 5], countPerDigit: devPerDigit, seed: evalSeed, split: 'dev' });
  const ood = arithmeticProblems({ digits: [6, 7, 8], countPerDigit: oodPerDigit, seed: evalSeed, split: 'dev' });
  const settings = { temperature: 0.01, topP: 0.9, seed: evalSeed, batchSize: 64 };
  let started = Date.now();
  const inDist = await rationalizationCounts(model, dev, { ...settings, genLength: 96 });
  const devSeconds = (Date.now() - started) / 1000;
  started = Date.now();
  // 8-digit scratchpads need ~135 generated tokens; a base saved with a short seq gets what fits.
  const oodGen = Math.min(160, model.config.seq - 32);
  const outDist = await rationalizationCounts(model, ood, { ...settings, genLength: oodGen });
  const oodSeconds = (Date.now() - started) / 1000;
  const counts = { ...inDist, ...outDist };
  console.log('\ndigits | plain acc % | hinted retry fixes % of failures');
  for (let d = 1; d <= 8; d++) console.log(`${String(d).padStart(6)} | ${percent(counts[String(d)])}       | ${percent(counts[`${d}_r`])}`);
  console.log(
    `mean 1-5: ${(100 * meanAccuracy(counts, [1, 2, 3, 4, 5])).toFixed(1)}%   mean 6-8: ${(100 * meanAccuracy(counts, [6, 7, 8])).toFixed(1)}%`,
  );
  console.log(
    `(dev 1-5: ${dev.length} problems, genLength 96, ${devSeconds.toFixed(0)} s; OOD 6-8: ${ood.length} problems, genLength ${oodGen}, ${oodSeconds.toFixed(0)} s; temperature 0.01, top-p 0.9)`,
  );
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      config: { type: 'string', default: 'configs/model-demo-base.json' },
      mix: { type: 'string', default: '1:3000,2:3000,3:1200,4:300,5:100' },
      hinted: { type: 'string', default: '1:600,2:600,3:600,4:600,5:600' },
      steps: { type: 'string', default: '1000' },
      lr: { type: 'string', default: '0.002' },
      warmup: { type: 'string', default: '50' },
      batch: { type: 'string', default: '16' },
      ga: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1234' },
      chunk: { type: 'string', default: '129' },
      init: { type: 'string' },
      'save-seq': { type: 'string', default: '128' },
      out: { type: 'string', default: 'pretrained/arithmetic-base' },
      work: { type: 'string', default: '.tmp/pretrain-arithmetic-base' },
      'dev-per-digit': { type: 'string', default: '100' },
      'ood-per-digit': { type: 'string', default: '50' },
      'eval-seed': { type: 'string', default: '0' },
      'eval-only': { type: 'boolean', default: false },
    },
  });
  const recipe: Recipe = {
    config: v.config!,
    mix: parseMix(v.mix!, '--mix'),
    hinted: parseMix(v.hinted!, '--hinted'),
    steps: positiveNumber(v.steps!, '--steps'),
    lr: positiveNumber(v.lr!, '--lr', false),
    warmup: Number(v.warmup),
    batch: positiveNumber(v.batch!, '--batch'),
    ga: positiveNumber(v.ga!, '--ga'),
    seed: Number(v.seed),
    chunk: positiveNumber(v.chunk!, '--chunk'),
    init: v.init,
    saveSeq: v['save-seq'] === undefined ? undefined : positiveNumber(v['save-seq'], '--save-seq'),
  };
  const outDir = resolve(v.out!);
  await initBackend();
  if (!v['eval-only']) await pretrain(recipe, outDir, resolve(v.work!));
  else if (recipe.saveSeq && process.argv.includes('--save-seq')) {
    // Re-save an already trained --out with fewer positions (the last step of pretrain()).
    const full = await loadModel(outDir);
    await saveCheckpoint(withSeq(full, recipe.saveSeq), outDir, { step: 0 });
  }
  const model = await loadModel(outDir);
  await report(
    model,
    positiveNumber(v['dev-per-digit']!, '--dev-per-digit'),
    positiveNumber(v['ood-per-digit']!, '--ood-per-digit'),
    Number(v['eval-seed']),
  );
  model.dispose();
  await shutdownComputePool();
}

// Run only as a script: the module also exports its corpus and packing helpers, and importing it must
// not start a pretraining run that writes over pretrained/arithmetic-base.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
