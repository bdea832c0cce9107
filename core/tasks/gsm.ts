import { z } from 'zod';
import { joinUri } from '../../storage';
import type { CheckResult, Example, Split, Task } from '../example';
import { loadPromptFile } from '../few-shot';
import { loadJsonl } from '../jsonl';
import { outputLines } from '../output-lines';

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
 * `Q: {question}\nA:`; hinted, ` ({final answer})` follows the question. (The reference code passes
 * the whole solution as the hint while its hint prompts show only the final number; PIPELINE.md
 * chooses the final number.)
 */
export function gsmContext(example: Example, hint: boolean): string {
  return `Q: ${example.question}${hint ? ` (${example.hint})` : ''}\nA:`;
}

/**
 * The answer is the first line containing `####`; the prediction is the text after the last `####`
 * on it, trimmed. Without such a line there is no answer (wrong, nothing saved).
 */
export function checkGsm(example: Example, output: string): CheckResult {
  const lines = outputLines(output);
  const answerLine = lines.findIndex((line) => line.includes('####'));
  if (answerLine === -1) return { correct: false, prediction: null, answerText: null };
  const answerText = lines.slice(0, answerLine + 1).join('\n');
  const parts = answerText.split('####');
  const prediction = (parts[parts.length - 1] as string).trim();
  return { correct: prediction.toLowerCase() === example.answer.toLowerCase(), prediction, answerText };
}

export const gsmTask: Task = {
  name: 'gsm',
  async loadSplit(datasetDir: string, split: Split) {
    const rows = await loadJsonl(joinUri(datasetDir, 'gsm', `${split}_rand_split.jsonl`), gsmRowSchema);
    return rows.map((row, index) => gsmExample(row, split, index));
  },
  context: (example, { hint }) => gsmContext(example, hint),
  loadFewShot: (datasetDir, options) => loadPromptFile(datasetDir, 'gsm', options),
  check: (example, output) => checkGsm(example, output),
};
