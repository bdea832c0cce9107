/**
 * `npx tsx scripts/completion-stop-savings.ts [--preset arithmetic-demo] [--set key=value ...] [--model DIR]
 *   [--after-answer] [--repeated-lines N] [--repeated-tail N] [--write-prompts FILE | --completions FILE]`
 *
 * The tokens `completionStop` saves, measured: samples the preset's first generation pass (train)
 * and its base eval (dev) with the embedded model twice, as the shards do (stopping at end-of-text),
 * once without the rule and once with it, and counts the tokens generated, the rows the rule
 * stopped, and the decisions that differ (among all rows, and among the rows that finished, i.e.
 * reached end-of-text before genLength without the rule). Same seeds and prompts as the workflow.
 *
 * For a server's model (a preset with inference "openai"), `--write-prompts` writes the base eval's
 * prompts as JSON lines, bench/greedy_completions.py generates their greedy completions token by
 * token with transformers, and `--completions` reads them back: each completion ends where the
 * server would stop it (the task's stop strings, end-of-sequence, genLength), and where a client
 * watching the stream with the rule would have closed it (docs/completion-stop.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cleanUpTokenization } from '../core/decode-cleanup';
import { completionStopReason, type CompletionStopRule } from '../core/completion-stop';
import type { Task, TaskName } from '../core/example';
import { END_OF_TEXT } from '../core/tokenizer';
import { resolveExperimentInput } from '../cli/experiment-input';
import { cutAtStop, taskStopStrings } from '../inference/stop-strings';
import { initBackend, loadModel, sampleWithCount, shutdownComputePool } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { firstPass } from './first-pass';

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

/** The rule with the task's own reading in place of the placeholder. */
function ruleFor(rule: CompletionStopRule, task: Task): CompletionStopRule {
  return rule.afterAnswer ? { ...rule, afterAnswer: { task: task.name, taskStops: task.stopStrings } } : rule;
}

async function measure(options: ExperimentOptions, modelDir: string, split: 'train' | 'dev', rule: CompletionStopRule): Promise<Tally> {
  const { task, examples, requests } = await firstPass(options, split);
  const model = await loadModel(modelDir);
  const temperature = split === 'dev' ? (options.evalTemperature ?? options.temperature) : options.temperature;
  const settings = { genLength: options.genLength, temperature, topP: options.topP, batchSize: 64 };
  const without = await sampleWithCount(model, requests, settings);
  const withRule = await sampleWithCount(model, requests, {
    ...settings,
    stopRule: ruleFor(rule, task),
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

interface GreedyCompletion {
  id: string;
  /** The text each generated token adds. */
  pieces: string[];
  /** The first end-of-sequence token, where a server stops; null: none. */
  end: number | null;
}

/** Server completions (bench/greedy_completions.py): tokens to each server stop, and to where the rule would close the stream. */
async function measureServer(options: ExperimentOptions, file: string, rule: CompletionStopRule): Promise<Tally> {
  const { task, examples } = await firstPass(options, 'dev');
  const byId = new Map(examples.map((e) => [e.id, e]));
  const stops = task.stopStrings ? [...task.stopStrings, END_OF_TEXT] : taskStopStrings(task.name as TaskName);
  const reading = ruleFor(rule, task);
  const read = (text: string) => (options.cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text);
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GreedyCompletion);
  const tally: Tally = {
    rows: rows.length,
    finished: 0,
    tokensWithout: 0,
    tokensWith: 0,
    stopped: 0,
    correctWithout: 0,
    correctWith: 0,
    changed: 0,
    changedFinished: 0,
    notPrefix: 0,
    examples: [],
  };
  for (const row of rows) {
    const example = byId.get(row.id);
    if (!example)
      throw new Error(
        `${file}: no dev example ${row.id} in this preset: write the prompts and the completions with the same --preset and --set`,
      );
    const limit = Math.min(row.pieces.length, options.genLength, row.end ?? Infinity);
    // Where the server stops: the token that completes a stop string, end-of-sequence, or genLength.
    let text = '';
    let serverEnd = limit;
    let ruleEnd: number | undefined;
    let cutText: string | undefined;
    for (let k = 0; k < limit; k++) {
      text += row.pieces[k] as string;
      const cut = cutAtStop(text, stops);
      if (ruleEnd === undefined && completionStopReason(cut.text, reading) !== undefined) {
        ruleEnd = k + 1;
        cutText = cut.text;
      }
      if (cut.stopped) {
        serverEnd = k + 1;
        break;
      }
    }
    const full = cutAtStop(text, stops).text;
    const finished = serverEnd < options.genLength;
    const judge = (t: string) => task.check(example, read(t), { direct: options.direct });
    const [a, b] = [judge(full), judge(cutText ?? full)];
    tally.tokensWithout += serverEnd;
    tally.tokensWith += Math.min(serverEnd, ruleEnd ?? serverEnd);
    if (ruleEnd !== undefined && ruleEnd < serverEnd) tally.stopped += 1;
    if (finished) tally.finished += 1;
    if (a.correct) tally.correctWithout += 1;
    if (b.correct) tally.correctWith += 1;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      tally.changed += 1;
      if (finished) tally.changedFinished += 1;
      if (tally.examples.length < 5) tally.examples.push(JSON.stringify({ id: row.id, full, cut: cutText }));
    }
  }
  return tally;
}

function report(label: string, t: Tally, genLength: number): void {
  const saved = t.tokensWithout - t.tokensWith;
  console.log(
    `[completion-stop] ${label}: ${t.rows} rows of up to ${genLength} tokens ` +
      `(${t.finished} stop before genLength without the rule); tokens ${t.tokensWithout} -> ${t.tokensWith} ` +
      `(${saved} saved, ${((100 * saved) / Math.max(1, t.tokensWithout)).toFixed(1)}%); ${t.stopped} rows stopped by the rule; ` +
      `correct ${t.correctWithout} -> ${t.correctWith}; results changed: ${t.changed} (${t.changedFinished} of rows that finished); ` +
      `texts not a prefix of the free run's: ${t.notPrefix}.`,
  );
  for (const line of t.examples) console.log(`  ${line}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'arithmetic-demo' },
      set: { type: 'string', multiple: true, default: [] },
      model: { type: 'string' },
      'after-answer': { type: 'boolean', default: false },
      'repeated-lines': { type: 'string' },
      'repeated-tail': { type: 'string' },
      'write-prompts': { type: 'string' },
      completions: { type: 'string' },
    },
  });
  const { options } = resolveExperimentInput({ preset: values.preset, sets: values.set });
  const modelDir = values.model ?? options.baseModelLocation;
  const repeated = values['repeated-lines'] === undefined ? undefined : Number(values['repeated-lines']);
  const tail = values['repeated-tail'] === undefined ? undefined : Number(values['repeated-tail']);
  // A placeholder reading: measure() puts in the task of each split.
  const ruleName = [
    values['after-answer'] ? 'afterAnswer' : '',
    repeated ? `repeatedLines ${repeated}` : '',
    tail ? `repeatedTail ${tail}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const rule: CompletionStopRule = {
    ...(values['after-answer'] ? { afterAnswer: { task: 'file' } } : {}),
    ...(repeated === undefined ? {} : { repeatedLines: repeated }),
    ...(tail === undefined ? {} : { repeatedTail: tail }),
  };
  if (values['write-prompts']) {
    const { examples, requests } = await firstPass(options, 'dev');
    const lines = examples.map((e, i) => JSON.stringify({ id: e.id, prompt: requests[i]?.prompt }));
    writeFileSync(values['write-prompts'], `${lines.join('\n')}\n`);
    console.log(`[completion-stop] wrote ${lines.length} dev prompts of ${values.preset} to ${values['write-prompts']}`);
    return;
  }
  if (values.completions) {
    const label = `${values.preset} dev, server completions ${values.completions}, rule ${ruleName}`;
    report(label, await measureServer(options, values.completions, rule), options.genLength);
    return;
  }
  await initBackend();
  for (const split of ['train', 'dev'] as const) {
    const label = `${values.preset} ${split}, model ${modelDir}, rule ${ruleName}`;
    report(label, await measure(options, modelDir, split, rule), options.genLength);
  }
  await shutdownComputePool();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
