import { addCount, mergeCounts, rationalizedClass, type ClassCounts } from './accuracy';
import type { Example, Task } from './example';
import { failureRank, sampleFailures, trimmedOutput, type FailedExample } from './failure-sample';
import { buildPrompt } from './prompt';
import { keyedSeed, keyedUnit } from './prng';
import { END_OF_TEXT } from './tokenizer';
import { BadInputError } from './errors';

/** One prompt for the model; `seed` makes the sample reproducible. */
export interface SampleRequest {
  prompt: string;
  seed: number;
}

/**
 * Samples a continuation per request, in order (the model lives elsewhere). A continuation may
 * contain `<|endoftext|>` where the model stopped; the answer checker ignores what follows.
 */
export type Sampler = (requests: SampleRequest[], onProgress?: (done: number) => void) => Promise<string[]>;

export interface FewShotPrompts {
  /** Prompt for the plain pass (`prompts.txt` or `prompts_direct.txt`). */
  plain: string[];
  /** Prompt for the hinted pass (`prompts_answer_key.txt` or `prompts_direct_answer_key.txt`). */
  answerKey: string[];
}

export interface GenerationOptions {
  rationalize: boolean;
  pRationalization: number;
  pShowHintSave: number;
  direct: boolean;
  noPrompt: boolean;
  fewShotTrain: boolean;
  /** Every random choice is keyed by (seed, example id). */
  seed: number;
}

export interface KeptExample {
  exampleId: string;
  /** Position of the example in the full list the shards were cut from (`firstIndex + i`). */
  index?: number;
  /** `context (hint-free unless p_show_hint_save) + answer + <|endoftext|>`, with the prompt under few_shot_train. */
  text: string;
  rationalized: boolean;
  /** The hint a kept rationalization was given (the report shows it next to the text). */
  hint?: string;
}

export interface GenerationResult {
  kept: KeptExample[];
  counts: ClassCounts;
  /** A small seeded sample of the examples not kept (core/failure-sample.ts); absent in older outputs. */
  failures?: FailedExample[];
}

export interface GenerationPassInput {
  task: Task;
  examples: Example[];
  fewShot: FewShotPrompts;
  sample: Sampler;
  options: GenerationOptions;
  /** Index of `examples[0]` in the full example list, so merged shards keep the original order. */
  firstIndex?: number;
  /** Called with the number of samples done so far, across both passes. */
  onProgress?: (done: number) => void;
}

/** The purposes random draws are keyed by, so no two choices share a draw. */
const PURPOSE = {
  sample: 'sample',
  hintedSample: 'sample-hinted',
  rationalize: 'rationalize',
  showHint: 'show-hint-save',
} as const;

export class GenerationOptionsError extends BadInputError {
  override readonly name = 'GenerationOptionsError';
}

function checkOptions(input: GenerationPassInput): void {
  const { options, task } = input;
  for (const key of ['pRationalization', 'pShowHintSave'] as const) {
    const value = options[key];
    if (!(value >= 0 && value <= 1)) throw new GenerationOptionsError(`${key} is ${value}; it must be a probability in [0, 1]`);
  }
  if (options.fewShotTrain && task.name === 'arithmetic') {
    throw new GenerationOptionsError('few_shot_train is not supported for arithmetic (the reference raises NotImplementedError): turn it off');
  }
  const ids = new Set<string>();
  for (const example of input.examples) {
    if (ids.has(example.id)) throw new GenerationOptionsError(`example id ${example.id} appears twice; ids key every random choice and must be unique`);
    ids.add(example.id);
  }
}

/** The per-example sampling seed of the plain pass (also used by the eval pass). */
export function sampleSeed(seed: number, exampleId: string, hinted = false): number {
  return keyedSeed(seed, hinted ? PURPOSE.hintedSample : PURPOSE.sample, exampleId);
}

/** Whether a failed example gets a hinted retry (probability p_rationalization). */
export function chosenForRationalization(seed: number, exampleId: string, pRationalization: number): boolean {
  return keyedUnit(seed, PURPOSE.rationalize, exampleId) < pRationalization;
}

/** Whether a kept rationalization is saved with its hint visible (probability p_show_hint_save). */
export function savedWithHint(seed: number, exampleId: string, pShowHintSave: number): boolean {
  return keyedUnit(seed, PURPOSE.showHint, exampleId) < pShowHintSave;
}

/**
 * One generation pass over (a shard of) the train examples: sample every example with the plain
 * prompt; keep correct answers; if `rationalize`, retry a keyed share of the failures with the hinted
 * context and the answer-key prompt, and keep correct ones saved as if no hint had been given.
 *
 * Differences from the reference, on purpose: random choices are keyed by example id (the reference
 * drew from one unseeded stream in batch order), and every chosen failure is retried (the reference
 * dropped a last partial batch of hinted examples).
 */
export async function runGenerationPass(input: GenerationPassInput): Promise<GenerationResult> {
  checkOptions(input);
  const { task, examples, fewShot, sample, options } = input;
  const firstIndex = input.firstIndex ?? 0;
  const checkOpts = { direct: options.direct };
  const savePrefix = options.fewShotTrain ? `${fewShot.plain.join('\n\n')}\n\n` : '';
  const counts: ClassCounts = {};
  const kept: KeptExample[] = [];

  const plainOutputs = await sample(
    examples.map((example) => ({
      prompt: buildPrompt(fewShot.plain, task.context(example, { hint: false }), { noPrompt: options.noPrompt }),
      seed: sampleSeed(options.seed, example.id),
    })),
    input.onProgress,
  );
  expectOutputs(plainOutputs, examples.length);

  const failures: number[] = [];
  const failed = new Map<string, FailedExample>();
  examples.forEach((example, i) => {
    const result = task.check(example, plainOutputs[i] as string, checkOpts);
    addCount(counts, example.cls, result.correct);
    if (result.correct && result.answerText !== null) {
      const text = savePrefix + task.context(example, { hint: false }) + result.answerText + END_OF_TEXT;
      kept.push({ exampleId: example.id, index: firstIndex + i, text, rationalized: false });
      return;
    }
    failed.set(example.id, {
      exampleId: example.id,
      rank: failureRank(options.seed, example.id),
      context: task.context(example, { hint: false }),
      answer: example.answer,
      output: trimmedOutput(plainOutputs[i] as string),
    });
    if (options.rationalize && chosenForRationalization(options.seed, example.id, options.pRationalization)) {
      failures.push(i);
    }
  });

  if (failures.length > 0) {
    const hinted = failures.map((i) => examples[i] as Example);
    const hintedOutputs = await sample(
      hinted.map((example) => ({
        prompt: buildPrompt(fewShot.answerKey, task.context(example, { hint: true }), { noPrompt: options.noPrompt }),
        seed: sampleSeed(options.seed, example.id, true),
      })),
      input.onProgress && ((done) => input.onProgress?.(examples.length + done)),
    );
    expectOutputs(hintedOutputs, hinted.length);
    hinted.forEach((example, k) => {
      const result = task.check(example, hintedOutputs[k] as string, checkOpts);
      addCount(counts, rationalizedClass(example.cls), result.correct);
      if (!result.correct || result.answerText === null) {
        const failure = failed.get(example.id);
        if (failure) Object.assign(failure, { hintedOutput: trimmedOutput(hintedOutputs[k] as string), hint: example.hint });
        return;
      }
      failed.delete(example.id);
      const showHint = savedWithHint(options.seed, example.id, options.pShowHintSave);
      const text = savePrefix + task.context(example, { hint: showHint }) + result.answerText + END_OF_TEXT;
      kept.push({ exampleId: example.id, index: firstIndex + (failures[k] as number), text, rationalized: true, hint: example.hint });
    });
    kept.sort((x, y) => (x.index as number) - (y.index as number));
  }
  return { kept, counts: mergeCounts([counts]), failures: sampleFailures([[...failed.values()]]) };
}

export interface EvalPassInput {
  task: Task;
  examples: Example[];
  /** The plain prompt (a `FewShotPrompts` is accepted too; its `plain` part is used). */
  fewShot: string[] | FewShotPrompts;
  sample: Sampler;
  options: { direct: boolean; noPrompt: boolean; seed: number };
  onProgress?: (done: number) => void;
}

/** Accuracy of a model on (a shard of) the dev split: plain prompt, no hints, nothing saved. */
export async function runEvalPass(input: EvalPassInput): Promise<ClassCounts> {
  const { task, examples, sample, options } = input;
  const fewShot = Array.isArray(input.fewShot) ? input.fewShot : input.fewShot.plain;
  const outputs = await sample(
    examples.map((example) => ({
      prompt: buildPrompt(fewShot, task.context(example, { hint: false }), { noPrompt: options.noPrompt }),
      seed: sampleSeed(options.seed, example.id),
    })),
    input.onProgress,
  );
  expectOutputs(outputs, examples.length);
  const counts: ClassCounts = {};
  examples.forEach((example, i) => addCount(counts, example.cls, task.check(example, outputs[i] as string, { direct: options.direct }).correct));
  return mergeCounts([counts]);
}

function expectOutputs(outputs: string[], expected: number): void {
  if (outputs.length !== expected) {
    throw new Error(`the sampler returned ${outputs.length} continuations for ${expected} prompts; it must return one per request, in order`);
  }
}

/**
 * Merges shard results: kept examples ordered by their original position (`order`, a list of example
 * ids, wins when given; else `index`; ties by id), counts summed.
 */
export function mergeGenerationResults(parts: readonly GenerationResult[], order?: readonly string[]): GenerationResult {
  const rank = order ? new Map(order.map((id, i) => [id, i])) : undefined;
  const position = (kept: KeptExample): number => {
    const fromOrder = rank?.get(kept.exampleId);
    if (rank && fromOrder === undefined) throw new Error(`kept example ${kept.exampleId} is not in the given order list`);
    return fromOrder ?? kept.index ?? Number.MAX_SAFE_INTEGER;
  };
  const kept = parts.flatMap((part) => part.kept);
  kept.sort((x, y) => position(x) - position(y) || (x.exampleId < y.exampleId ? -1 : x.exampleId > y.exampleId ? 1 : 0));
  return { kept, counts: mergeCounts(parts.map((part) => part.counts)), failures: sampleFailures(parts.map((part) => part.failures)) };
}
