/** The three STaR tasks of the reference (the experiment input's `task`). */
export const TASK_NAMES = ['commonsenseqa', 'gsm', 'arithmetic'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export type Split = 'train' | 'dev';

export interface Choice {
  label: string;
  text: string;
}

/**
 * One problem of a task, plain JSON so it can be written to storage and read back by any shard.
 * Task-specific fields are optional; each task's `context` reads only its own.
 */
export interface Example {
  /** Stable id: the dataset's id, `gsm-{split}-{row}` for GSM8K (which has none), `arith-…` for arithmetic. */
  id: string;
  /** The target the answer checker compares against (answer key letter, final number, spaced sum). */
  answer: string;
  /** Accuracy class: the task name, or the digit count for arithmetic. */
  cls: string;
  /** What the hinted context shows (the correct choice is marked instead for commonsenseqa). */
  hint: string;
  /** Question stem (commonsenseqa), question (gsm), or the spaced sum `2 9 + 5 7` (arithmetic). */
  question: string;
  /** commonsenseqa only: answer choices in dataset order. */
  choices?: Choice[];
  /** gsm only: the full reference solution (ends with `#### {answer}`). */
  solution?: string;
}

export interface ContextOptions {
  hint: boolean;
}

export interface FewShotOptions {
  /** Use the `*_answer_key` prompt files (the hinted, rationalization pass). */
  answerKey: boolean;
  /** Use the `prompts_direct*` files (answers without rationales). */
  direct: boolean;
}

export interface CheckOptions {
  /** Direct mode: for arithmetic without a scratchpad the answer is the second line. */
  direct?: boolean;
}

export interface CheckResult {
  correct: boolean;
  /** What the model answered, or null when no answer could be read from the output. */
  prediction: string | null;
  /** The output up to and including the answer line (what gets saved), or null without an answer line. */
  answerText: string | null;
}

export interface Task {
  /** A built-in task, or `file`: one stated by a task file (task-file/). */
  readonly name: TaskName | 'file';
  /** Where a server stops a completion (a task file's `stop`); absent: the built-in's own (inference/stop-strings.ts). */
  readonly stopStrings?: readonly string[];
  loadSplit(datasetDir: string, split: Split): Promise<Example[]>;
  context(example: Example, options: ContextOptions): string;
  loadFewShot(datasetDir: string, options: FewShotOptions): Promise<string[]>;
  check(example: Example, output: string, options?: CheckOptions): CheckResult;
}
