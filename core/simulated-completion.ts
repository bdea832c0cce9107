/**
 * What the `simulated` inference writes for an example: a continuation in the task's own output
 * format that its answer checker judges correct, or one it judges wrong. The simulation decides
 * which (core/prng keyed draws, see activities/simulated-sampler.ts); this only writes the text, so
 * answer checking, saving and records downstream are the real code.
 */
import { arithmeticDirectTarget, arithmeticTarget } from './arithmetic-problems';
import type { Example, TaskName } from './example';
import { END_OF_TEXT } from './tokenizer';

export function simulatedCompletion(task: TaskName, example: Example, correct: boolean, options: { direct: boolean }): string {
  if (task === 'arithmetic') {
    const target = options.direct ? arithmeticDirectTarget(example.question) : arithmeticTarget(example.question);
    // The answer is the last line of the target; a wrong one changes its last digit.
    const cut = target.lastIndexOf('\n') + 1;
    const answer = target.slice(cut);
    return `${target.slice(0, cut)}${correct ? answer : wrongDigits(answer)}\n${END_OF_TEXT}`;
  }
  if (task === 'commonsenseqa') {
    const labels = (example.choices ?? []).map((c) => c.label.toLowerCase());
    const label = correct
      ? example.answer
      : (labels.find((l) => l !== example.answer.toLowerCase()) ?? (example.answer === 'z' ? 'y' : 'z'));
    return ` So the answer is (${label}).\n\n`;
  }
  return ` The steps lead to the answer.\n#### ${correct ? example.answer : `${example.answer}1`}\n${END_OF_TEXT}`;
}

/** `8 6` → `8 7`: the same digit count, another value. */
function wrongDigits(answer: string): string {
  const last = answer[answer.length - 1] ?? '0';
  const other = /\d/.test(last) ? String((Number(last) + 1) % 10) : '0';
  return answer.slice(0, -1) + other;
}
