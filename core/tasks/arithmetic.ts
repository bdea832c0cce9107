import {
  ARITHMETIC_COUNT_PER_DIGIT,
  ARITHMETIC_TRAIN_DIGITS,
  arithmeticContext,
  arithmeticHintedContext,
  arithmeticProblems,
} from '../arithmetic-problems';
import type { CheckOptions, CheckResult, Example, Split, Task } from '../example';
import { outputLines } from '../output-lines';

export interface ArithmeticTaskOptions {
  trainDigits: number[];
  devDigits: number[];
  countPerDigit: number;
  seed: number;
}

export const DEFAULT_ARITHMETIC_TASK_OPTIONS: ArithmeticTaskOptions = {
  trainDigits: [...ARITHMETIC_TRAIN_DIGITS],
  devDigits: [...ARITHMETIC_TRAIN_DIGITS],
  countPerDigit: ARITHMETIC_COUNT_PER_DIGIT,
  seed: 0,
};

/**
 * The answer line is the one after `</scratch>`; without a scratchpad it is the first line, or the
 * second in direct mode (the context ends at `Target:`, so a direct answer starts on the next line).
 * A `</scratch>` on the last line, or an empty answer line, gives no answer.
 */
export function checkArithmetic(example: Example, output: string, options: CheckOptions = {}): CheckResult {
  const lines = outputLines(output);
  const scratchEnd = lines.indexOf('</scratch>');
  let answerIndex: number;
  if (scratchEnd !== -1) answerIndex = scratchEnd + 1;
  else answerIndex = options.direct && lines.length > 1 ? 1 : 0;
  const prediction = lines[answerIndex];
  if (prediction === undefined || prediction.trim() === '') return { correct: false, prediction: null, answerText: null };
  return {
    correct: prediction.toLowerCase() === example.answer.toLowerCase(),
    prediction,
    answerText: lines.slice(0, answerIndex + 1).join('\n'),
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
    // embedded base model is pretrained on the format instead.
    loadFewShot: async () => [],
    check: checkArithmetic,
  };
}

export const arithmeticTask: Task = createArithmeticTask();
