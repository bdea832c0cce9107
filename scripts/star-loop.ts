/**
 * `npx tsx scripts/star-loop.ts [--preset arithmetic-demo] [--set key=value ...] [--work DIR] [--skip-base-eval]`
 *
 * The STaR loop without Temporal, over core/ and model/ directly, with the workflow's semantics: for
 * i = 1 .. nIters-1, generate on nTrainSamples train problems with the model of iteration i-1 (the
 * base model for i = 1), retrying failures with the hint when rationalize is on and keeping the
 * correct ones hint-free; write the kept text as records with the base model's tokenizer and seq (or the trainer config's, if longer);
 * total_steps from the growth rule; fine-tune THE BASE MODEL with the trainer settings of baseConfig;
 * evaluate on the dev split. Same example selection, seeds and sampler settings as the activities
 * (activities/examples.ts, generate-shard.ts, train-model.ts), so its table predicts `star run`'s.
 *
 * It exists to tune the demo preset quickly: it prints a per-iteration, per-digit table with the
 * wall-clock time of each phase, starting with the base model (iteration 0) on the same dev split.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeCounts, type ClassCounts } from '../core/accuracy';
import type { Example } from '../core/example';
import { keyedSeed } from '../core/prng';
import { runGenerationPass, type KeptExample } from '../core/rationale-selection';
import { writeTfRecords } from '../dataset-files/records';
import { joinSavedExamples } from '../core/saved-text';
import { totalSteps } from '../core/step-growth';
import { taskFor, selectExamples } from '../activities/examples';
import { generationPassOptions } from '../activities/generate-shard';
import { resolveExperimentInput } from '../cli/experiment-input';
import { initBackend, loadModel, readManifest, shutdownComputePool, tokenizerByName, train, type LoadedModel } from '../model';
import { readJson } from '../storage';
import { growthSettings } from '../core/step-growth';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { samplerWith, evalCounts, meanAccuracy, percent } from './arithmetic-accuracy';

interface Row {
  iteration: number;
  kept?: number;
  rationalized?: number;
  attempted?: number;
  totalSteps?: number;
  loss?: number;
  seconds: { generate?: number; records?: number; train?: number; eval: number };
  counts: ClassCounts;
}

interface TrainerConfig {
  lr?: number;
  warmup_steps?: number;
  ckpt_every?: number;
  per_replica_batch?: number;
  seq?: number;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

async function generate(
  model: LoadedModel,
  options: ExperimentOptions,
  examples: Example[],
  chunk: number,
  iteration: number,
): Promise<{ kept: KeptExample[]; counts: ClassCounts }> {
  const sample = samplerWith(model, {
    genLength: options.genLength,
    temperature: options.temperature,
    topP: options.topP,
    seed: options.seed,
    batchSize: chunk,
  });
  const kept: KeptExample[] = [];
  const parts: ClassCounts[] = [];
  const task = taskFor(options, 'train');
  for (let start = 0; start < examples.length; start += chunk) {
    const result = await runGenerationPass({
      task,
      examples: examples.slice(start, start + chunk),
      fewShot: { plain: [], answerKey: [] },
      sample,
      options: generationPassOptions(options, iteration),
      firstIndex: start,
    });
    kept.push(...result.kept);
    parts.push(result.counts);
  }
  return { kept, counts: mergeCounts(parts) };
}

function digitsOf(options: ExperimentOptions): number[] {
  return [...new Set([...options.arithmetic.devDigits, ...options.arithmetic.oodDigits])].sort((a, b) => a - b);
}

function printTable(rows: Row[], options: ExperimentOptions): string {
  const digits = digitsOf(options);
  const inDist = options.arithmetic.devDigits;
  const head = [
    'iter',
    'kept',
    'rat.',
    'steps',
    ...digits.map((d) => `${d}d %`),
    `mean ${inDist[0]}-${inDist[inDist.length - 1]}`,
    'gen s',
    'train s',
    'eval s',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [
      String(r.iteration),
      r.kept === undefined ? '(base)' : `${r.kept}/${r.attempted}`,
      r.rationalized === undefined ? '' : String(r.rationalized),
      r.totalSteps === undefined ? '' : String(r.totalSteps),
      ...digits.map((d) => percent(r.counts[String(d)]).trim()),
      (100 * meanAccuracy(r.counts, inDist)).toFixed(1),
      r.seconds.generate === undefined ? '' : r.seconds.generate.toFixed(0),
      r.seconds.train === undefined ? '' : r.seconds.train.toFixed(0),
      r.seconds.eval.toFixed(0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'arithmetic-demo' },
      set: { type: 'string', multiple: true, default: [] },
      work: { type: 'string', default: '.tmp/star-loop' },
      'skip-base-eval': { type: 'boolean', default: false },
    },
  });
  const { options } = resolveExperimentInput({ preset: values.preset, sets: values.set });
  if (options.task !== 'arithmetic' || options.trainer !== 'embedded')
    throw new Error('scripts/star-loop.ts runs the arithmetic task on the embedded trainer only');
  const work = resolve(values.work!);
  mkdirSync(work, { recursive: true });
  const chunk = 64; // the worker's chunkSize and sampleBatchSize (activities/deps.ts)
  await initBackend();

  const base = options.baseModelLocation;
  const manifest = await readManifest(base);
  const tokenizer = tokenizerByName(manifest.tokenizer);
  const trainer = await readJson<TrainerConfig>(options.baseConfig);
  // As activities/write-records.ts: the longer of the model's context and the trainer config's seq.
  const seq = Math.max(Number((manifest.config as { seq?: number }).seq), trainer.seq ?? 0);
  const growth = growthSettings(options);
  const allTrain = await taskFor(options, 'train').loadSplit('', 'train');
  const dev = selectExamples(options, 'dev', 0, await taskFor(options, 'dev').loadSplit('', 'dev'));
  const evalSettings = {
    genLength: options.genLength,
    temperature: options.temperature,
    topP: options.topP,
    seed: options.seed,
    batchSize: chunk,
    noPrompt: options.noPrompt,
  };
  console.log(
    `[star-loop] preset ${values.preset}${values.set!.length ? ` with ${values.set!.join(' ')}` : ''}: base ${base}, ${options.nIters - 1} iterations, ` +
      `${Math.min(options.nTrainSamples, allTrain.length)} train samples, ${dev.length} dev problems, rule ${growth.rule}, ` +
      `lr ${trainer.lr}, warmup ${trainer.warmup_steps}, batch ${trainer.per_replica_batch} x ga ${options.gradientAccumulationSteps}`,
  );

  const rows: Row[] = [];
  const runStarted = Date.now();
  if (!values['skip-base-eval']) {
    const t = Date.now();
    const model = await loadModel(base);
    const counts = await evalCounts(model, dev, evalSettings);
    model.dispose();
    rows.push({ iteration: 0, seconds: { eval: seconds(t) }, counts });
    console.log(printTable(rows, options));
  }

  let generating = base;
  for (let i = 1; i < options.nIters; i++) {
    const row: Row = { iteration: i, seconds: { eval: 0 }, counts: {} };
    let t = Date.now();
    const model = await loadModel(generating);
    const examples = selectExamples(options, 'train', i, allTrain);
    const gen = await generate(model, options, examples, chunk, i);
    model.dispose();
    row.seconds.generate = seconds(t);
    row.attempted = examples.length;
    row.rationalized = gen.kept.filter((k) => k.rationalized).length;
    row.kept = gen.kept.length;
    const genByDigit = digitsOf(options)
      .map(
        (d) => `${d}d ${gen.counts[String(d)]?.correct ?? 0}/${gen.counts[String(d)]?.total ?? 0}+${gen.counts[`${d}_r`]?.correct ?? 0}r`,
      )
      .join(' ');
    console.log(
      `[star-loop] iteration ${i}: kept ${row.kept} of ${examples.length} (${row.rationalized} rationalized) in ${row.seconds.generate.toFixed(0)} s: ${genByDigit}`,
    );

    t = Date.now();
    const dir = resolve(work, `it${i}`);
    const text = joinSavedExamples(gen.kept.map((k) => k.text));
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, `kept_${i}.txt`), text);
    const records = await writeTfRecords({ texts: [text], tokenizer, seq, outputPrefixUri: resolve(dir, `records_${i}`) });
    row.seconds.records = seconds(t);
    row.totalSteps = totalSteps(growth, i, records.exampleCount);

    t = Date.now();
    const trained = await train({
      baseCheckpointUri: base,
      recordsIndexUri: records.indexUri,
      totalSteps: row.totalSteps,
      outputDirUri: resolve(dir, 'model'),
      checkpointEvery: Math.max(1, trainer.ckpt_every ?? row.totalSteps),
      lr: trainer.lr ?? 3e-4,
      warmupSteps: trainer.warmup_steps ?? 0,
      batchSize: trainer.per_replica_batch ?? 1,
      gradientAccumulationSteps: options.gradientAccumulationSteps,
      seed: keyedSeed(options.seed, 'train', String(i)),
    });
    row.seconds.train = seconds(t);
    row.loss = trained.loss;
    console.log(
      `[star-loop] iteration ${i}: trained ${row.totalSteps} steps on ${records.chunkCount} chunks (${records.exampleCount} examples) in ${row.seconds.train.toFixed(0)} s, loss ${trained.loss.toFixed(4)}`,
    );

    t = Date.now();
    const next = await loadModel(trained.checkpointUri);
    row.counts = await evalCounts(next, dev, evalSettings);
    next.dispose();
    row.seconds.eval = seconds(t);
    rows.push(row);
    generating = trained.checkpointUri;
    console.log(printTable(rows, options));
    console.log(`[star-loop] ${seconds(runStarted).toFixed(0)} s so far`);
  }
  const table = printTable(rows, options);
  writeFileSync(resolve(work, 'table.md'), `${table}\n`);
  writeFileSync(resolve(work, 'rows.json'), JSON.stringify({ options, rows }, null, 2));
  await shutdownComputePool();
  console.log(`\n${table}\n[star-loop] total ${seconds(runStarted).toFixed(0)} s (base eval included); wrote ${resolve(work, 'table.md')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
