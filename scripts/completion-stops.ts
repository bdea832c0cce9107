/**
 * `npx tsx scripts/completion-stops.ts [--preset arithmetic-demo] [--set key=value ...] [--model DIR]`
 *
 * Where a completion stops, measured: the reference generates gen_length tokens and its checkers can
 * read past an end-of-text; the embedded sampler stops at the first end-of-text, and the openai path
 * also at the task's stop strings (inference/stop-strings.ts). This samples the preset's train and
 * dev problems with an embedded model on to gen_length (or the model's context), then judges each
 * output three ways — whole (the reference), cut after its first end-of-text (the embedded sampler),
 * cut at the stop strings (a server) — and counts how often the decision differs. The same seeds and
 * prompts as the workflow's first generation pass and its eval.
 */
import { parseArgs } from 'node:util';
import { cleanUpTokenization } from '../core/decode-cleanup';
import type { TaskName } from '../core/example';
import { END_OF_TEXT } from '../core/tokenizer';
import { resolveExperimentInput } from '../cli/experiment-input';
import { cutAtStop, taskStopStrings } from '../inference/stop-strings';
import { initBackend, loadModel, sample, shutdownComputePool } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { firstPass } from './first-pass';

interface Tally {
  outputs: number;
  withEndOfText: number;
  withStopString: number;
  correctWhole: number;
  /** Judged differently when cut after the first end-of-text: correct whole but wrong cut, and the reverse. */
  endOfText: { lost: number; gained: number };
  stopStrings: { lost: number; gained: number };
  examples: string[];
  stops: string[];
}

/** The text the embedded sampler returns: up to and including the first end-of-text. */
function stoppedAtEndOfText(text: string): string {
  const at = text.indexOf(END_OF_TEXT);
  return at === -1 ? text : text.slice(0, at + END_OF_TEXT.length);
}

async function measure(options: ExperimentOptions, modelDir: string, split: 'train' | 'dev'): Promise<Tally> {
  const { task, examples, requests } = await firstPass(options, split);
  const model = await loadModel(modelDir);
  const temperature = split === 'dev' ? (options.evalTemperature ?? options.temperature) : options.temperature;
  const raw = await sample(model, requests, {
    genLength: options.genLength,
    temperature,
    topP: options.topP,
    batchSize: 64,
    stopAtEndOfText: false,
  });
  model.dispose();
  const read = (text: string) => (options.cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text);
  const stops = task.stopStrings ? [...task.stopStrings, END_OF_TEXT] : taskStopStrings(task.name as TaskName);
  const tally: Tally = {
    stops,
    outputs: 0,
    withEndOfText: 0,
    withStopString: 0,
    correctWhole: 0,
    endOfText: { lost: 0, gained: 0 },
    stopStrings: { lost: 0, gained: 0 },
    examples: [],
  };
  examples.forEach((example, i) => {
    const whole = read(raw[i] as string);
    const judge = (text: string) => task.check(example, text, { direct: options.direct }).correct;
    const reference = judge(whole);
    const embedded = judge(read(stoppedAtEndOfText(raw[i] as string)));
    const cut = cutAtStop(raw[i] as string, stops);
    const server = judge(read(cut.text));
    tally.outputs += 1;
    if (whole.includes(END_OF_TEXT)) tally.withEndOfText += 1;
    if (cut.stopped) tally.withStopString += 1;
    if (reference) tally.correctWhole += 1;
    if (reference !== embedded) tally.endOfText[reference ? 'lost' : 'gained'] += 1;
    if (reference !== server) tally.stopStrings[reference ? 'lost' : 'gained'] += 1;
    if ((reference !== embedded || reference !== server) && tally.examples.length < 5)
      tally.examples.push(JSON.stringify({ id: example.id, whole }));
  });
  return tally;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'arithmetic-demo' },
      set: { type: 'string', multiple: true, default: [] },
      model: { type: 'string' },
    },
  });
  const { options } = resolveExperimentInput({ preset: values.preset, sets: values.set });
  const modelDir = values.model ?? options.baseModelLocation;
  await initBackend();
  for (const split of ['train', 'dev'] as const) {
    const t = await measure(options, modelDir, split);
    console.log(
      `[completion-stops] ${values.preset} ${split}, model ${modelDir}: ${t.outputs} outputs of up to ${options.genLength} tokens, ` +
        `${t.correctWhole} correct as the reference judges them; ${t.withEndOfText} hold an end-of-text, ${t.withStopString} a stop string ` +
        `(${t.stops.map((s) => JSON.stringify(s)).join(', ')}). Judged otherwise when cut after the first end-of-text: ` +
        `${t.endOfText.lost} correct -> wrong, ${t.endOfText.gained} wrong -> correct; at the stop strings: ${t.stopStrings.lost} correct -> wrong, ` +
        `${t.stopStrings.gained} wrong -> correct.`,
    );
    for (const line of t.examples) console.log(`  ${line}`);
  }
  await shutdownComputePool();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
