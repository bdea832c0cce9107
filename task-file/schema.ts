/**
 * The task file: a STaR task stated as data (docs/own-task.md), the user's dataset, prompts and
 * answer rule, with no code. `taskFileSchema` parses the written form (strict: an unknown field is
 * refused, as a typo would otherwise be ignored); `normaliseTaskFile` fills the defaults that depend
 * on other fields and gives the `TaskSpec` the code uses. Pure zod: no storage, no Node built-ins.
 */
import { z } from 'zod';
import { templateProblem } from './template';

/** Placeholders of the question template, and those the hinted one may use besides. */
export const QUESTION_PLACEHOLDERS = ['question', 'choices', 'solution'] as const;
export const HINT_PLACEHOLDERS = [...QUESTION_PLACEHOLDERS, 'hint', 'answer'] as const;
export const CHOICE_PLACEHOLDERS = ['label', 'text'] as const;

/**
 * The loss of the embedded trainer and the prompt/completion split of the Hugging Face one start
 * after the last answer marker of a saved example (core/prompt-completion.ts): a question template
 * without one would train on nothing.
 */
const ANSWER_MARKER = /(^|\s)(A:|Target:)/;

const template = (allowed: readonly string[]) =>
  z.string().superRefine((value, ctx) => {
    const problem = templateProblem(value, allowed);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A dotted path into a JSONL row: `question.stem` reads `row.question.stem`. */
const fieldPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a field name, or a dotted path such as question.stem');

const fieldsSchema = z.strictObject({
  /**
   * Absent: a row's `id` field when it has one, else `{name}-{split}-{row}` (row counted from 0 among
   * non-empty lines), as the built-in gsm names its rows.
   */
  id: fieldPath.optional(),
  question: fieldPath.default('question'),
  answer: fieldPath.default('answer'),
  /** A list of `{label, text}`, a list of texts (labelled A, B, C, …) or an object `{label: text}`. */
  choices: fieldPath.optional(),
  /** Per-class accuracy (as digit counts are for arithmetic); absent: one class, the task's name. */
  class: fieldPath.optional(),
  /** A worked solution, shown by `{solution}` in the hint template. */
  solution: fieldPath.optional(),
  /** What `{hint}` shows; absent: the answer. */
  hint: fieldPath.optional(),
});

const dataSchema = z.strictObject({
  /** JSONL, one example per line: a path (relative to the task file), `file://` or `gs://` URI. */
  train: z.string().min(1),
  dev: z.string().min(1),
  fields: fieldsSchema.default(() => fieldsSchema.parse({})),
  /**
   * A command that writes the train and dev files (run without a shell, in the task file's folder)
   * when either is missing, e.g. `npx tsx make-data.ts`. `star plan`, `run` and `start` run it; the
   * workers only read the files, so it must be deterministic.
   */
  generate: z.string().min(1).optional(),
  /**
   * The answer field holds a worked solution ending in `{answerAfter}{answer}` (GSM8K's `#### 72`):
   * the target is the text after its last `answerAfter`, and `{solution}` shows the whole field.
   */
  answerAfter: z.string().min(1).optional(),
});

const hintSchema = z.union([
  /** The hinted context, e.g. `Q: {question} ({hint})\nA:`. */
  z.strictObject({ template: template(HINT_PLACEHOLDERS) }),
  /** The question template, with this text after the correct choice's line, e.g. ` (CORRECT)`. */
  z.strictObject({ markChoice: z.string().min(1) }),
]);

const promptsSchema = z.strictObject({
  /** Worked examples separated by a blank line, as the reference's prompts.txt; absent: no prompt. */
  fewShot: z.string().min(1).optional(),
  /** The rationalization prompt (answer-key style, the reference's prompts_answer_key.txt); absent: fewShot. */
  rationalization: z.string().min(1).optional(),
  /** One question as the model sees it; absent: `Q: {question}\nA:`, with choices `Q: {question}\nAnswer Choices:\n{choices}\nA:`. */
  question: template(QUESTION_PLACEHOLDERS)
    .optional()
    .refine((value) => value === undefined || ANSWER_MARKER.test(value), {
      message:
        'the template must hold an answer marker, "A:" or "Target:" after a space or newline: training counts only the text after the last one',
    }),
  /** One line of `{choices}`. */
  choice: template(CHOICE_PLACEHOLDERS).default('({label}) {text}'),
  /** How `{label}` is written. */
  choiceLabels: z.enum(['lower', 'upper', 'as-written']).default('lower'),
  /** How the hint is shown; absent: `markChoice: " (CORRECT)"` with choices, else `Q: {question} ({hint})\nA:`. */
  hint: hintSchema.optional(),
});

/** How a prediction is compared with the target. */
const normaliseShape = {
  /** Strip surrounding whitespace (Python's `str.strip()` set) from both. */
  trim: z.boolean().default(true),
  caseSensitive: z.boolean().default(false),
  /** Drop `,` between digits (`1,000` = `1000`). */
  thousandsSeparators: z.boolean().default(false),
  /** Compare the first number of each as numbers, within `tolerance`. */
  numeric: z.boolean().default(false),
  tolerance: z.number().min(0).default(0),
  /** What is saved of the output: through the line the answer is on, or all of it. */
  save: z.enum(['through-answer-line', 'output']).default('through-answer-line'),
};

const regexRule = z
  .strictObject({
    read: z.literal('regex'),
    /** JavaScript syntax; group 1 is the answer. */
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsuv]*$/, 'JavaScript regex flags among i, m, s, u, v (g and y are implied by match)')
      .default(''),
    /** Which match counts when there are several. */
    match: z.enum(['first', 'last']).default('first'),
    ...normaliseShape,
  })
  .superRefine((rule, ctx) => {
    let compiled: RegExp;
    try {
      compiled = new RegExp(rule.pattern, rule.flags);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        input: rule.pattern,
        message: `does not compile: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
      });
      return;
    }
    if (new RegExp(`${compiled.source}|`, rule.flags).exec('')?.length === 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        input: rule.pattern,
        message: 'has no capture group: put the answer in parentheses, e.g. "answer is (\\\\S+)"',
      });
    }
  });

const answerSchema = z.discriminatedUnion('read', [
  regexRule,
  /** The last number of the output (`-1,234.5` style). */
  z.strictObject({ read: z.literal('last-number'), ...normaliseShape }),
  /** The last `(x)` of the output whose x is one of the example's choice labels. */
  z.strictObject({ read: z.literal('choice-letter'), ...normaliseShape }),
  /** The text after `marker` on the first line holding it (GSM8K's `####`, `The answer is`). */
  z.strictObject({ read: z.literal('after-marker'), marker: z.string().min(1), ...normaliseShape }),
]);

export const taskFileSchema = z
  .strictObject({
    /** Names the task in tables, the one accuracy class without a class field, and generated ids. */
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only (it names ids and accuracy classes)'),
    /** Free text for people. */
    description: z.string().optional(),
    data: dataSchema,
    prompts: promptsSchema.default(() => promptsSchema.parse({})),
    answer: answerSchema,
    /** Where a server stops a completion; `<|endoftext|>` is always added. The checker cuts there too, so every backend reads the same text. */
    stop: z.array(z.string().min(1)).default(['\n\n']),
  })
  .superRefine((file, ctx) => {
    const { question, hint } = file.prompts;
    if (hint && 'markChoice' in hint && !file.data.fields.choices) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompts', 'hint'],
        input: hint,
        message: 'markChoice marks the correct choice, but the rows have none: set data.fields.choices, or give a hint template',
      });
    }
    if (question !== undefined && file.data.fields.choices && !question.includes('{choices}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompts', 'question'],
        input: question,
        message: 'the rows have choices (data.fields.choices) that this template does not show: add {choices}',
      });
    }
  });

export type TaskFile = z.output<typeof taskFileSchema>;
export type AnswerRule = TaskFile['answer'];
export type HintRule = { template: string } | { markChoice: string };

/** The normalised task: every default filled. */
export interface TaskSpec extends Omit<TaskFile, 'prompts'> {
  prompts: Omit<TaskFile['prompts'], 'hint' | 'question'> & { hint: HintRule; question: string };
}

export function normaliseTaskFile(file: TaskFile): TaskSpec {
  const choices = file.data.fields.choices !== undefined;
  const hint: HintRule = file.prompts.hint ?? (choices ? { markChoice: ' (CORRECT)' } : { template: 'Q: {question} ({hint})\nA:' });
  const question = file.prompts.question ?? (choices ? 'Q: {question}\nAnswer Choices:\n{choices}\nA:' : 'Q: {question}\nA:');
  return { ...file, prompts: { ...file.prompts, question, hint } };
}
