/**
 * `npx tsx scripts/completion-stop-savings.ts [--preset arithmetic-demo] [--set key=value ...] [--model DIR]
 *   [--after-answer] [--repeated-lines N]`
 *
 * The tokens `completionStop` saves, measured: samples the preset's first generation pass (train)
 * and its base eval (dev) with the embedded model twice, as the shards do (stopping at end-of-text),
 * once without the rule and once with it, and counts the tokens generated, the rows the rule
 * stopped, and the decisions that differ (among all rows, and among the rows that finished, i.e.
 * reached end-of-text before genLength without the rule). Same seeds and prompts as the workflow.
 */
import { parseArgs } from 'node:util';
import { cleanUpTokenization } from '../core/decode-cleanup';
import type { CompletionStopRule } from '../core/completion-stop';
import type { Example, Task } from '../core/example';
import { buildPrompt, noPromptForGeneration, promptTokenLimit } from '../core/prompt';
import { sampleSeed } from '../core/rationale-selection';
import { END_OF_TEXT } from '../core/tokenizer';
import { iterationSeed } from '../core/train-sample';
import { selectExamples, taskFor } from '../activities/examples';
import { resolveExperimentInput } from '../cli/experiment-input';
import { initBackend, loadModel, sampleWithCount, shutdownComputePool } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';

interface Tally {
  rows: number;
  finished: number;
  tokensWithout: number;
  tokensWith: number;
  stopped: number;
  correctWithout: number;
  correctWith: number;
  /** Rows judged otherwise with the rule: all of them, and those that finished without it. */
  changed: number;
  changedFinished: number;
  notPrefix: number;
  examples: string[];
}

async function measure(options: ExperimentOptions, modelDir: string, split: 'train' | 'dev', rule: CompletionStopRule): Promise<Tally> {
  const task: Task = taskFor(options, split);
  const iteration = split === 'train' ? 1 : 0;
  const examples: Example[] = selectExamples(options, split, iteration, await task.loadSplit(options.datasetDir ?? '', split));
  const noPrompt = split === 'train' ? noPromptForGeneration(options.noPrompt, 1) : options.noPrompt;
  const fewShot = noPrompt ? [] : await task.loadFewShot(options.datasetDir ?? '', { answerKey: false, direct: options.direct });
  const seed = split === 'train' ? iterationSeed(options.seed, 1) : options.seed;
  const limit = promptTokenLimit(noPrompt, options.genLength);
  const requests = examples.map((e) => ({
    prompt: buildPrompt(fewShot, task.context(e, { hint: false }), { noPrompt }),
    seed: sampleSeed(seed, e.id),
    ...(limit === undefined ? {} : { maxPromptTokens: limit }),
  }));
  const model = await loadModel(modelDir);
  const temperature = split === 'dev' ? (options.evalTemperature ?? options.temperature) : options.temperature;
  const settings = { genLength: options.genLength, temperature, topP: options.topP, batchSize: 64 };
  const without = await sampleWithCount(model, requests, settings);
  const withRule = await sampleWithCount(model, requests, {
    ...settings,
    stopRule: rule.afterAnswer ? { ...rule, afterAnswer: { task: task.name, taskStops: task.stopStrings } } : rule,
  });
  model.dispose();
  const read = (text: string) => (options.cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text);
  const tally: Tally = {
    rows: examples.length,
    finished: 0,
    tokensWithout: without.tokens,
    tokensWith: withRule.tokens,
    stopped: withRule.stoppedByRule,
    correctWithout: 0,
    correctWith: 0,
    changed: 0,
    changedFinished: 0,
    notPrefix: 0,
    examples: [],
  };
  examples.forEach((example, i) => {
    const full = without.texts[i] as string;
    const cut = withRule.texts[i] as string;
    const judge = (text: string) => task.check(example, read(text), { direct: options.direct });
    const [a, b] = [judge(full), judge(cut)];
    const finished = full.endsWith(END_OF_TEXT);
    if (finished) tally.finished += 1;
    if (a.correct) tally.correctWithout += 1;
    if (b.correct) tally.correctWith += 1;
    if (!full.startsWith(cut)) tally.notPrefix += 1;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      tally.changed += 1;
      if (finished) tally.changedFinished += 1;
      if (tally.examples.length < 5) tally.examples.push(JSON.stringify({ id: example.id, full, cut }));
    }
  });
  return tally;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'arithmetic-demo' },
      set: { type: 'string', multiple: true, default: [] },
      model: { type: 'string' },
      'after-answer': { type: 'boolean', default: false },
      'repeated-lines': { type: 'string' },
    },
  });
  const { options } = resolveExperimentInput({ preset: values.preset, sets: values.set });
  const modelDir = values.model ?? options.baseModelLocation;
  const repeated = values['repeated-lines'] === undefined ? undefined : Number(values['repeated-lines']);
  // A placeholder reading: measure() puts in the task of each split.
  const rule: CompletionStopRule = {
    ...(values['after-answer'] ? { afterAnswer: { task: 'file' } } : {}),
    ...(repeated === undefined ? {} : { repeatedLines: repeated }),
  };
  await initBackend();
  for (const split of ['train', 'dev'] as const) {
    const t = await measure(options, modelDir, split, rule);
    const saved = t.tokensWithout - t.tokensWith;
    console.log(
      `[completion-stop] ${values.preset} ${split}, model ${modelDir}, rule ${JSON.stringify(rule)}: ${t.rows} rows of up to ${options.genLength} tokens ` +
        `(${t.finished} reach end-of-text without the rule); tokens ${t.tokensWithout} -> ${t.tokensWith} ` +
        `(${saved} saved, ${((100 * saved) / Math.max(1, t.tokensWithout)).toFixed(1)}%); ${t.stopped} rows stopped by the rule; ` +
        `correct ${t.correctWithout} -> ${t.correctWith}; results changed: ${t.changed} (${t.changedFinished} of rows that finished); ` +
        `texts not a prefix of the free run's: ${t.notPrefix}.`,
    );
    for (const line of t.examples) console.log(`  ${line}`);
  }
  await shutdownComputePool();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
