import { z } from 'zod';
import type { CheckResult, Example } from '../example';
import { outputLines } from '../output-lines';

/** One row of `commonsenseqa/{split}_rand_split.jsonl` (the CommonsenseQA release layout). */
export const commonsenseQaRowSchema = z.object({
  answerKey: z.string().min(1),
  id: z.string().min(1),
  question: z.object({
    question_concept: z.string().optional(),
    choices: z.array(z.object({ label: z.string().min(1), text: z.string() })).min(1),
    stem: z.string(),
  }),
});
export type CommonsenseQaRow = z.infer<typeof commonsenseQaRowSchema>;

export function commonsenseQaExample(row: CommonsenseQaRow): Example {
  return {
    id: row.id,
    answer: row.answerKey,
    cls: 'commonsenseqa',
    hint: row.answerKey,
    question: row.question.stem,
    choices: row.question.choices.map((choice) => ({ label: choice.label, text: choice.text })),
  };
}

/** `Q: {stem}\nAnswer Choices:\n(a) …\n…A:`; hinted, the correct choice gets ` (CORRECT)`. */
export function commonsenseQaContext(example: Example, hint: boolean): string {
  let context = `Q: ${example.question}\nAnswer Choices:\n`;
  for (const choice of example.choices ?? []) {
    const label = choice.label.toLowerCase();
    const marked = hint && label === example.answer.toLowerCase();
    context += `(${label}) ${choice.text}${marked ? ' (CORRECT)' : ''}\n`;
  }
  return `${context}A:`;
}

/**
 * The first line is the answer (`… Therefore, the answer is blotter (e).`); the prediction is its
 * third-to-last character. A first line shorter than three characters has no prediction (the
 * reference's IndexError), which counts as wrong.
 */
export function checkCommonsenseQa(example: Example, output: string): CheckResult {
  const line = outputLines(output)[0] as string;
  const chars = Array.from(line);
  if (chars.length < 3) return { correct: false, prediction: null, answerText: null };
  const prediction = chars[chars.length - 3] as string;
  return { correct: prediction.toLowerCase() === example.answer.toLowerCase(), prediction, answerText: line };
}
