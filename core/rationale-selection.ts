import { addCount, mergeCounts, rationalizedClass, type ClassCounts } from './accuracy';
import type { Example, Task } from './example';
import { failureRank, sampleFailures, trimmedOutput, type FailedExample } from './failure-sample';
import { buildPrompt } from './prompt';
import { evalCompletion, sampleEvalCompletions, type EvalCompletion } from './eval-sample';
import { keyedSeed, keyedUnit } from './prng';
import { cutAtEndOfText } from './output-lines';
import { cleanUpTokenization } from './decode-cleanup';
import { keepDistinct, type DedupMode } from './sample-dedup';
import { END_OF_TEXT } from './tokenizer';
import { BadInputError } from './errors';

/** One prompt for the model; `seed` makes the sample reproducible. */
export interface SampleRequest {
  prompt: string;
  seed: number;
  /** The sampler keeps only the prompt's last this many tokens (core/prompt.ts `promptTokenLimit`). */
  maxPromptTokens?: number;
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
  /** Every random choice is keyed by (seed, example id) and, past the first, the sample index. */
  seed: number;
  /** k: samples drawn per question in the plain pass (default 1). */
  samplesPerQuestion?: number;
  /** Correct rationales kept per question at most (default 1). */
  keepPerQuestion?: number;
  /** How duplicate correct rationales of one question are found (default `exact`). */
  dedup?: DedupMode;
  /** Hint only questions where every plain sample failed (default true); else each failed sample gets a hinted retry. */
  rationalizeOnlyIfAllFail?: boolean;
  /**
   * Keep every plain sample whose answer line can be read, right or wrong (default false): the control
   * run that shows what the correctness filter adds. Counts still say which were right.
   */
  keepAll?: boolean;
  /** Read continuations through transformers' clean-up of spaces before punctuation, as the reference did (default true; core/decode-cleanup.ts). */
  cleanUpTokenizationSpaces?: boolean;
  /** Prompts are cut to their last this many tokens (the reference's eval_seq under no_prompt; core/prompt.ts). */
  maxPromptTokens?: number;
}

/** The request of one sample: the limit is set only when there is one, so requests without it look as they always did. */
function request(prompt: string, seed: number, maxPromptTokens: number | undefined): SampleRequest {
  return maxPromptTokens === undefined ? { prompt, seed } : { prompt, seed, maxPromptTokens };
}

/** The sampler whose continuations read as the reference's decode gave them to its checkers: cleaned up unless turned off. */
function decodedAsReference(sample: Sampler, cleanUp: boolean | undefined): Sampler {
  if (cleanUp === false) return sample;
  return async (requests, onProgress) => (await sample(requests, onProgress)).map(cleanUpTokenization);
}

/** One sample as a verifier sees it: `id` names the sample (`{example id}#{sample index}`, `#h…` for hinted ones). */
export interface VerifyItem {
  id: string;
  question: string;
  answer: string;
  output: string;
}

/** Judges a batch of samples (in order, one verdict each); replaces the task's answer checking. */
export type Verifier = (items: VerifyItem[]) => Promise<boolean[]>;

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

/** What the plain pass drew and found (the per-class counts count samples, both passes). */
export interface SamplingCounts {
  questions: number;
  /** Plain samples drawn (questions × k). */
  samples: number;
  /** Plain samples judged correct. */
  correctSamples: number;
  /** Questions with at least one correct plain sample (pass@k on train). */
  questionsWithCorrect: number;
  /** Correct rationales dropped as duplicates of one kept earlier for the same question. */
  duplicates: number;
}

export interface GenerationResult {
  kept: KeptExample[];
  counts: ClassCounts;
  /** A small seeded sample of the examples not kept (core/failure-sample.ts); absent in older outputs. */
  failures?: FailedExample[];
  /** Absent in results written before k samples per question existed (then k was 1). */
  sampling?: SamplingCounts;
}

export interface GenerationPassInput {
  task: Task;
  examples: Example[];
  fewShot: FewShotPrompts;
  sample: Sampler;
  options: GenerationOptions;
  /** Judges samples instead of the task's checker (the `command` verifier); absent: the task's checker. */
  verify?: Verifier;
  /** Index of `examples[0]` in the full example list, so merged shards keep the original order. */
  firstIndex?: number;
  /** Called with the number of questions done so far, across both passes (the hinted pass counts past the plain one). */
  onProgress?: (done: number) => void;
}

/** The purposes random draws are keyed by, so no two choices share a draw. */
const PURPOSE = {
  sample: 'sample',
  hintedSample: 'sample-hinted',
  rationalize: 'rationalize',
  showHint: 'show-hint-save',
} as const;

/** Sample index 0 keeps the purpose as it was before k samples existed, so k = 1 draws what it always drew. */
function indexed(purpose: string, sampleIndex: number): string {
  return sampleIndex === 0 ? purpose : `${purpose}#${sampleIndex}`;
}

export class GenerationOptionsError extends BadInputError {
  override readonly name = 'GenerationOptionsError';
}

function checkOptions(input: GenerationPassInput): void {
  const { options, task } = input;
  for (const key of ['pRationalization', 'pShowHintSave'] as const) {
    const value = options[key];
    if (!(value >= 0 && value <= 1)) throw new GenerationOptionsError(`${key} is ${value}; it must be a probability in [0, 1]`);
  }
  for (const key of ['samplesPerQuestion', 'keepPerQuestion'] as const) {
    const value = options[key] ?? 1;
    if (!(Number.isInteger(value) && value >= 1))
      throw new GenerationOptionsError(`${key} is ${value}; it must be a whole number of at least 1`);
  }
  if (options.keepAll && options.rationalize) {
    throw new GenerationOptionsError(
      'keepAll keeps every sample, so no sample fails and rationalization has nothing to retry: set rationalize to false for the control run',
    );
  }
  if (options.fewShotTrain && task.name === 'arithmetic') {
    throw new GenerationOptionsError(
      'few_shot_train is not supported for arithmetic (the reference raises NotImplementedError): turn it off',
    );
  }
  const ids = new Set<string>();
  for (const example of input.examples) {
    if (ids.has(example.id))
      throw new GenerationOptionsError(`example id ${example.id} appears twice; ids key every random choice and must be unique`);
    ids.add(example.id);
  }
}

/** The sampling seed of an example's sample `sampleIndex` (0: the plain pass's and the eval pass's seed). */
export function sampleSeed(seed: number, exampleId: string, hinted = false, sampleIndex = 0): number {
  return keyedSeed(seed, indexed(hinted ? PURPOSE.hintedSample : PURPOSE.sample, sampleIndex), exampleId);
}

/** Whether a failed example (its sample `sampleIndex`) gets a hinted retry (probability p_rationalization). */
export function chosenForRationalization(seed: number, exampleId: string, pRationalization: number, sampleIndex = 0): boolean {
  return keyedUnit(seed, indexed(PURPOSE.rationalize, sampleIndex), exampleId) < pRationalization;
}

/** Whether a kept rationalization is saved with its hint visible (probability p_show_hint_save). */
export function savedWithHint(seed: number, exampleId: string, pShowHintSave: number, sampleIndex = 0): boolean {
  return keyedUnit(seed, indexed(PURPOSE.showHint, sampleIndex), exampleId) < pShowHintSave;
}

interface Draw {
  /** Position of the example in `examples`. */
  at: number;
  sampleIndex: number;
}

interface Verdict {
  correct: boolean;
  /** What is saved after the context when kept (a wrong one only under keepAll), or null when nothing can be (no answer line). */
  answerText: string | null;
}

/** Verdicts of a batch of outputs: the task's checker, or the verifier (which then sees every sample). */
async function judge(input: GenerationPassInput, draws: Draw[], outputs: string[], hinted: boolean): Promise<Verdict[]> {
  const { task, examples, options } = input;
  const checked = draws.map((d, n) => task.check(examples[d.at] as Example, outputs[n] as string, { direct: options.direct }));
  if (!input.verify) return checked.map((c) => ({ correct: c.correct, answerText: c.answerText }));
  const items = draws.map((d, n) => {
    const example = examples[d.at] as Example;
    return {
      id: `${example.id}#${hinted ? 'h' : ''}${d.sampleIndex}`,
      question: example.question,
      answer: example.answer,
      output: cutAtEndOfText(outputs[n] as string),
    };
  });
  const verdicts = await input.verify(items);
  if (verdicts.length !== items.length)
    throw new Error(`the verifier gave ${verdicts.length} verdicts for ${items.length} samples; it must give one per sample`);
  // A verifier may accept an output the task cannot read an answer line from: then the whole output is saved.
  return verdicts.map((correct, n) => ({
    correct,
    answerText: correct ? (checked[n]?.answerText ?? (items[n] as VerifyItem).output) : (checked[n]?.answerText ?? null),
  }));
}

/**
 * One generation pass over (a shard of) the train examples: sample every example k times with the
 * plain prompt; keep correct answers (distinct, at most keepPerQuestion per question); if
 * `rationalize`, retry a keyed share of the failures with the hinted context and the answer-key
 * prompt (one retry per question whose samples all failed, or per failed sample), and keep correct
 * ones saved as if no hint had been given. With k = 1 and the defaults this is STaR's pass.
 *
 * Differences from the reference, on purpose: random choices are keyed by example id (the reference
 * drew from one unseeded stream in batch order), and every chosen failure is retried (the reference
 * dropped a last partial batch of hinted examples).
 */
export async function runGenerationPass(input: GenerationPassInput): Promise<GenerationResult> {
  checkOptions(input);
  const pass = generationPass(input);
  const plain = await samplePlain(pass);
  const hintedDraws = tallyPlainSamples(pass, plain);
  const hintedFailures = await rationalize(pass, hintedDraws);
  return keepAndSampleFailures(pass, plain.outputs, hintedFailures);
}

/** One pass's settings (defaults filled in) and what its phases add up. */
interface GenerationPass {
  input: GenerationPassInput;
  k: number;
  /** Before every saved text: the plain prompt under few_shot_train, else nothing. */
  savePrefix: string;
  counts: ClassCounts;
  /** Per question, its correct rationales in the order found (plain samples first, then hinted ones). */
  candidates: { text: string; rationalized: boolean }[][];
  sampling: SamplingCounts;
}

function generationPass(input: GenerationPassInput): GenerationPass {
  const { examples, fewShot, options } = input;
  return {
    input: { ...input, sample: decodedAsReference(input.sample, options.cleanUpTokenizationSpaces) },
    k: options.samplesPerQuestion ?? 1,
    savePrefix: options.fewShotTrain ? `${fewShot.plain.join('\n\n')}\n\n` : '',
    counts: {},
    candidates: examples.map(() => []),
    sampling: { questions: examples.length, samples: 0, correctSamples: 0, questionsWithCorrect: 0, duplicates: 0 },
  };
}

interface JudgedSamples {
  draws: Draw[];
  outputs: string[];
  verdicts: Verdict[];
}

/** The plain pass: every question sampled k times with the plain prompt, each sample judged. */
async function samplePlain(pass: GenerationPass): Promise<JudgedSamples> {
  const { input, k } = pass;
  const { task, examples, fewShot, options } = input;
  const draws: Draw[] = examples.flatMap((_, at) => Array.from({ length: k }, (_u, sampleIndex) => ({ at, sampleIndex })));
  const outputs = await input.sample(
    draws.map(({ at, sampleIndex }) => {
      const example = examples[at] as Example;
      return request(
        buildPrompt(fewShot.plain, task.context(example, { hint: false }), { noPrompt: options.noPrompt }),
        sampleSeed(options.seed, example.id, false, sampleIndex),
        options.maxPromptTokens,
      );
    }),
    input.onProgress && ((done) => input.onProgress?.(Math.floor(done / k))),
  );
  expectOutputs(outputs, draws.length);
  return { draws, outputs, verdicts: await judge(input, draws, outputs, false) };
}

/**
 * Counts the plain samples, makes the correct ones candidates (saved hint-free), and returns the
 * failures chosen for a hinted retry: one per question whose samples all failed
 * (rationalizeOnlyIfAllFail), or one per failed sample.
 */
function tallyPlainSamples(pass: GenerationPass, plain: JudgedSamples): Draw[] {
  const { task, examples, options } = pass.input;
  const { sampling } = pass;
  const anyCorrect = examples.map(() => false);
  const anyJudgedCorrect = examples.map(() => false);
  const failedSamples: Draw[] = [];
  plain.draws.forEach((draw, n) => {
    const example = examples[draw.at] as Example;
    const verdict = plain.verdicts[n] as Verdict;
    addCount(pass.counts, example.cls, verdict.correct);
    sampling.samples += 1;
    if (verdict.correct) {
      sampling.correctSamples += 1;
      anyJudgedCorrect[draw.at] = true;
    }
    if ((verdict.correct || options.keepAll) && verdict.answerText !== null) {
      anyCorrect[draw.at] = true;
      pass.candidates[draw.at]?.push({
        text: pass.savePrefix + task.context(example, { hint: false }) + verdict.answerText + END_OF_TEXT,
        rationalized: false,
      });
    } else {
      failedSamples.push(draw);
    }
  });
  sampling.questionsWithCorrect += anyJudgedCorrect.filter(Boolean).length;
  if (!options.rationalize) return [];
  const chosen = (exampleId: string, sampleIndex?: number) =>
    chosenForRationalization(options.seed, exampleId, options.pRationalization, sampleIndex);
  if (options.rationalizeOnlyIfAllFail ?? true) {
    return examples.flatMap((example, at) => (!anyCorrect[at] && chosen(example.id) ? [{ at, sampleIndex: 0 }] : []));
  }
  return failedSamples.filter((draw) => chosen((examples[draw.at] as Example).id, draw.sampleIndex));
}

/** A question's first failed hinted retry, for the failure sample. */
type HintedFailures = Map<number, { hintedOutput: string; hint: string }>;

/**
 * Rationalization: the chosen failures sampled again with the hint in the context and the answer-key
 * prompt; a correct one is a candidate saved as if no hint had been given (unless p_show_hint_save).
 */
async function rationalize(pass: GenerationPass, draws: Draw[]): Promise<HintedFailures> {
  const failures: HintedFailures = new Map();
  if (draws.length === 0) return failures;
  const { input } = pass;
  const { task, examples, fewShot, options } = input;
  const outputs = await input.sample(
    draws.map(({ at, sampleIndex }) => {
      const example = examples[at] as Example;
      return request(
        buildPrompt(fewShot.answerKey, task.context(example, { hint: true }), { noPrompt: options.noPrompt }),
        sampleSeed(options.seed, example.id, true, sampleIndex),
        options.maxPromptTokens,
      );
    }),
    input.onProgress && ((done) => input.onProgress?.(examples.length + done)),
  );
  expectOutputs(outputs, draws.length);
  const verdicts = await judge(input, draws, outputs, true);
  draws.forEach((draw, n) => {
    const example = examples[draw.at] as Example;
    const verdict = verdicts[n] as Verdict;
    addCount(pass.counts, rationalizedClass(example.cls), verdict.correct);
    if (!verdict.correct || verdict.answerText === null) {
      if (!failures.has(draw.at)) failures.set(draw.at, { hintedOutput: trimmedOutput(outputs[n] as string), hint: example.hint });
      return;
    }
    const showHint = savedWithHint(options.seed, example.id, options.pShowHintSave, draw.sampleIndex);
    pass.candidates[draw.at]?.push({
      text: pass.savePrefix + task.context(example, { hint: showHint }) + verdict.answerText + END_OF_TEXT,
      rationalized: true,
    });
  });
  return failures;
}

/**
 * Keeping: each question's distinct candidates, at most keepPerQuestion; a question with none kept
 * goes to the failure sample with its first plain sample (and its failed hinted retry).
 */
function keepAndSampleFailures(pass: GenerationPass, plainOutputs: string[], hintedFailures: HintedFailures): GenerationResult {
  const { task, examples, options } = pass.input;
  const firstIndex = pass.input.firstIndex ?? 0;
  const kept: KeptExample[] = [];
  const failed: FailedExample[] = [];
  examples.forEach((example, at) => {
    const chosen = keepDistinct(pass.candidates[at] ?? [], options.dedup ?? 'exact', options.keepPerQuestion ?? 1);
    pass.sampling.duplicates += chosen.duplicates;
    for (const c of chosen.kept) {
      const one: KeptExample = { exampleId: example.id, index: firstIndex + at, text: c.text, rationalized: c.rationalized };
      kept.push(c.rationalized ? { ...one, hint: example.hint } : one);
    }
    if (chosen.kept.length > 0) return;
    const first = at * pass.k; // draws are question-major: sample 0 of question `at`
    const failure: FailedExample = {
      exampleId: example.id,
      rank: failureRank(options.seed, example.id),
      context: task.context(example, { hint: false }),
      answer: example.answer,
      output: trimmedOutput(plainOutputs[first] as string),
    };
    const hinted = hintedFailures.get(at);
    failed.push(hinted ? Object.assign(failure, hinted) : failure);
  });
  return { kept, counts: mergeCounts([pass.counts]), failures: sampleFailures([failed]), sampling: pass.sampling };
}

export interface EvalPassInput {
  task: Task;
  examples: Example[];
  /** The plain prompt (a `FewShotPrompts` is accepted too; its `plain` part is used). */
  fewShot: string[] | FewShotPrompts;
  sample: Sampler;
  options: {
    direct: boolean;
    noPrompt: boolean;
    seed: number;
    cleanUpTokenizationSpaces?: boolean;
    maxPromptTokens?: number;
    fewShotTrain?: boolean;
  };
  onProgress?: (done: number) => void;
  /** Given the pass's seeded sample of raw completions (core/eval-sample.ts), right and wrong. */
  onSample?: (sample: EvalCompletion[]) => void;
}

/** Accuracy of a model on (a shard of) the dev split: plain prompt, no hints; only a small sample of completions is handed on. */
export async function runEvalPass(input: EvalPassInput): Promise<ClassCounts> {
  return (await runEvalPassKeeping(input)).counts;
}

export interface EvalPassResult {
  counts: ClassCounts;
  /**
   * The correct dev examples as the generation pass saves its kept ones (`context + answer +
   * <|endoftext|>`, the prompt in front under few_shot_train), in example order: what the
   * reference's eval appended to `{task}/new_dev.txt`.
   */
  correct: string[];
}

/** runEvalPass, also giving the correct examples' texts. */
export async function runEvalPassKeeping(input: EvalPassInput): Promise<EvalPassResult> {
  const { task, examples, options } = input;
  const sample = decodedAsReference(input.sample, options.cleanUpTokenizationSpaces);
  const fewShot = Array.isArray(input.fewShot) ? input.fewShot : input.fewShot.plain;
  const outputs = await sample(
    examples.map((example) =>
      request(
        buildPrompt(fewShot, task.context(example, { hint: false }), { noPrompt: options.noPrompt }),
        sampleSeed(options.seed, example.id),
        options.maxPromptTokens,
      ),
    ),
    input.onProgress,
  );
  expectOutputs(outputs, examples.length);
  const counts: ClassCounts = {};
  const correct: string[] = [];
  const completions: EvalCompletion[] = [];
  const savePrefix = options.fewShotTrain ? `${fewShot.join('\n\n')}\n\n` : '';
  examples.forEach((example, i) => {
    const output = outputs[i] as string;
    const checked = task.check(example, output, { direct: options.direct });
    addCount(counts, example.cls, checked.correct);
    if (checked.correct && checked.answerText !== null)
      correct.push(savePrefix + task.context(example, { hint: false }) + checked.answerText + END_OF_TEXT);
    if (input.onSample)
      completions.push(
        evalCompletion(options.seed, {
          exampleId: example.id,
          cls: example.cls,
          correct: checked.correct,
          context: task.context(example, { hint: false }),
          answer: example.answer,
          output,
        }),
      );
  });
  input.onSample?.(sampleEvalCompletions([completions]));
  return { counts: mergeCounts([counts]), correct };
}

function expectOutputs(outputs: string[], expected: number): void {
  if (outputs.length !== expected) {
    throw new Error(
      `the sampler returned ${outputs.length} continuations for ${expected} prompts; it must return one per request, in order`,
    );
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
  // Stable: one question's rationales keep their sample order.
  kept.sort((x, y) => position(x) - position(y) || (x.exampleId < y.exampleId ? -1 : x.exampleId > y.exampleId ? 1 : 0));
  const counts = mergeCounts(parts.map((part) => part.counts));
  const failures = sampleFailures(parts.map((part) => part.failures));
  const sampling = mergeSampling(parts.map((part) => part.sampling));
  return sampling ? { kept, counts, failures, sampling } : { kept, counts, failures };
}

/** Sums the parts' sampling counts; undefined when a part predates them. */
function mergeSampling(parts: readonly (SamplingCounts | undefined)[]): SamplingCounts | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const sum: SamplingCounts = { questions: 0, samples: 0, correctSamples: 0, questionsWithCorrect: 0, duplicates: 0 };
  for (const p of parts as SamplingCounts[]) for (const key of Object.keys(sum) as (keyof SamplingCounts)[]) sum[key] += p[key];
  return sum;
}
