import {
  ARITHMETIC_COUNT_PER_DIGIT,
  ARITHMETIC_TRAIN_DIGITS,
  arithmeticContext,
  arithmeticFewShot,
  arithmeticHintedContext,
  arithmeticProblems,
} from '../arithmetic-problems';
import type { CheckOptions, CheckResult, Example, Split, Task } from '../example';
import { cutAtEndOfText } from '../output-lines';
import { END_OF_TEXT } from '../tokenizer';

export interface ArithmeticTaskOptions {
  trainDigits: number[];
  devDigits: number[];
  countPerDigit: number;
  seed: number;
  /** Worked problems in the few-shot prompt (digit counts cycle through trainDigits); 0: none, as the reference. */
  fewShot: number;
}

export const DEFAULT_ARITHMETIC_TASK_OPTIONS: ArithmeticTaskOptions = {
  trainDigits: [...ARITHMETIC_TRAIN_DIGITS],
  devDigits: [...ARITHMETIC_TRAIN_DIGITS],
  countPerDigit: ARITHMETIC_COUNT_PER_DIGIT,
  seed: 0,
  fewShot: 0,
};

/**
 * As the reference decides, on the output's lines (split on `\n`, before any cut at end-of-text):
 * - a line that is exactly `<|endoftext|>`: the answer is the line before it; when that line is the
 *   first, Python's index -1 picks the LAST line (so `<|endoftext|>\n9` answers 9);
 * - else a line that is exactly `</scratch>`: the line after it (none after it: no answer);
 * - else the first line, or the second in direct mode when there are two or more.
 * The answer is cut at `<|endoftext|>`; the saved text is the lines up to and including the answer
 * line (none for index -1), joined by `\n` and cut at `<|endoftext|>`. The EOT-line rule comes first
 * even when the model went on after stopping: `…</scratch>\n9<|endoftext|>Input:…\n<|endoftext|>`
 * answers with the line before the later EOT line (docs/reference-differences.md).
 * An empty answer gives no answer.
 */
export function checkArithmetic(example: Example, output: string, options: CheckOptions = {}): CheckResult {
  const none: CheckResult = { correct: false, prediction: null, answerText: null };
  const lines = output.split('\n');
  const endLine = lines.indexOf(END_OF_TEXT);
  const scratchEnd = lines.indexOf('</scratch>');
  let answerIndex: number;
  if (endLine !== -1) answerIndex = endLine - 1;
  else if (scratchEnd !== -1) answerIndex = scratchEnd + 1;
  else answerIndex = options.direct && lines.length > 1 ? 1 : 0;
  const line = answerIndex === -1 ? lines[lines.length - 1] : lines[answerIndex];
  if (line === undefined) return none;
  const prediction = cutAtEndOfText(line);
  if (prediction.trim() === '') return none;
  return {
    correct: prediction.toLowerCase() === example.answer.toLowerCase(),
    prediction,
    answerText: cutAtEndOfText(lines.slice(0, answerIndex + 1).join('\n')),
  };
}

/** Arithmetic has no dataset files: problems are generated; `datasetDir` is ignored. */
export function createArithmeticTask(options: Partial<ArithmeticTaskOptions> = {}): Task {
  const settings = { ...DEFAULT_ARITHMETIC_TASK_OPTIONS, ...options };
  return {
    name: 'arithmetic',
    async loadSplit(_datasetDir: string, split: Split) {
      const digits = split === 'train' ? settings.trainDigits : settings.devDigits;
      return arithmeticProblems({ digits, countPerDigit: settings.countPerDigit, seed: settings.seed, split });
    },
    context: (example, { hint }) => (hint ? arithmeticHintedContext(example.question) : arithmeticContext(example.question)),
    // The reference's arithmetic examples carry no few-shot prompt (one problem per prompt); the
    // embedded base model is pretrained on the format instead. A pretrained language model is not,
    // so `fewShot` generated worked problems can stand in for the other tasks' prompt files.
    loadFewShot: async (_datasetDir, { answerKey, direct }) =>
      arithmeticFewShot({ count: settings.fewShot, digits: settings.trainDigits, seed: settings.seed, hinted: answerKey, direct }),
    check: checkArithmetic,
  };
}

export const arithmeticTask: Task = createArithmeticTask();
