/**
 * Where a completion ends. The embedded sampler runs to end-of-text or `genLength` and leaves the
 * answer checker to read the lines it needs; a server can stop sooner, and each task's stop strings
 * are chosen so that stopping there cannot change what the checker reads:
 * - commonsenseqa: the answer is the first line, so a newline ends it;
 * - gsm and arithmetic: the answer is a later line, and the few-shot examples (and arithmetic's
 *   prompt) are separated by a blank line, which a rationale does not contain; a model that writes a
 *   blank line before its answer line is cut there (with the embedded sampler the checker would
 *   read on past it).
 * Every task also stops at the literal `<|endoftext|>`: the saved examples end with it, and a model
 * fine-tuned on them whose tokenizer treats it as plain text writes it as text instead of stopping.
 */
import { END_OF_TEXT } from '../core/tokenizer';
import type { TaskName } from '../core/example';

const TASK_STOPS: Record<TaskName, string[]> = {
  commonsenseqa: ['\n'],
  gsm: ['\n\n'],
  arithmetic: ['\n\n'],
};

export function taskStopStrings(task: TaskName): string[] {
  return [...TASK_STOPS[task], END_OF_TEXT];
}

/**
 * The text before the first stop string. Servers differ: vLLM and llama.cpp remove the stop string,
 * `transformers serve` leaves it at the end of the text, and a server that ignores `stop` returns
 * text past it; cutting at the first occurrence gives the same text from all of them.
 */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let end = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && (end === -1 || at < end)) end = at;
  }
  return end === -1 ? { text, stopped: false } : { text: text.slice(0, end), stopped: true };
}
