import { z } from 'zod';
import type { CheckResult, Example, Split } from '../example';
import { cutAtEndOfText } from '../output-lines';
import { pyStrip } from '../python-text';

/** One row of `gsm/{split}_rand_split.jsonl` (the GSM8K release layout; it has no id). */
export const gsmRowSchema = z.object({
  question: z.string(),
  answer: z.string().includes('#### ', { message: 'the answer must end with a "#### {final answer}" line' }),
});
export type GsmRow = z.infer<typeof gsmRowSchema>;

/** The target the reference compares with: the text after the last `#### ` of the solution. */
export function gsmFinalAnswer(solution: string): string {
  const parts = solution.split('#### ');
  return parts[parts.length - 1] as string;
}

/** GSM8K has no ids: the row number (0-based) in its split file is stable, so it names the example. */
export function gsmExample(row: GsmRow, split: Split, rowIndex: number): Example {
  const answer = gsmFinalAnswer(row.answer);
  return { id: `gsm-${split}-${rowIndex}`, answer, cls: 'gsm', hint: answer, question: row.question, solution: row.answer };
}

/**
 * What a hinted gsm context shows: `answer`, the final number (as the hint prompt file and the paper
 * do; ours by default), or `solution`, the whole worked solution ending in `#### {answer}` (what the
 * reference code passes).
 */
export const GSM_HINTS = ['answer', 'solution'] as const;
export type GsmHint = (typeof GSM_HINTS)[number];

/** `Q: {question}\nA:`; hinted, ` ({hint})` follows the question. */
export function gsmContext(example: Example, hint: boolean, gsmHint: GsmHint = 'answer'): string {
  if (!hint) return `Q: ${example.question}\nA:`;
  const shown = gsmHint === 'solution' ? (example.solution ?? example.hint) : example.hint;
  return `Q: ${example.question} (${shown})\nA:`;
}

/**
 * As the reference decides: the answer is the first line containing `####`, looked for in the whole
 * output (also after an `<|endoftext|>`); the lines up to it are joined and cut at the first
 * `<|endoftext|>`, and the prediction is the text after the last `####` of what is left (all of it
 * when none is left), stripped as Python's `str.strip()` does. So `18<|endoftext|>\n#### 99999`
 * predicts `18`. No `####` line: no answer (wrong, nothing saved).
 */
export function checkGsm(example: Example, output: string): CheckResult {
  const lines = output.split('\n');
  const answerLine = lines.findIndex((line) => line.includes('####'));
  if (answerLine === -1) return { correct: false, prediction: null, answerText: null };
  const answerText = cutAtEndOfText(lines.slice(0, answerLine + 1).join('\n'));
  const parts = answerText.split('####');
  const prediction = pyStrip(parts[parts.length - 1] as string);
  return { correct: prediction.toLowerCase() === example.answer.toLowerCase(), prediction, answerText };
}
