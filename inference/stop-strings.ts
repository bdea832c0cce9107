/**
 * Where a server stops a completion. The reference generated gen_length tokens and its checkers
 * read what they read (PIPELINE.md); stopping sooner saves tokens, and changes the decision only
 * where the checker would have read past the stop:
 * - commonsenseqa: the answer is the first line, cut at end-of-text, so a newline or an end-of-text
 *   ends all it reads; stopping there never changes the decision (nor does the clean-up of spaces,
 *   whose patterns hold neither).
 * - gsm: the checker looks for the first `####` line in the whole output, past an end-of-text and
 *   past blank lines; `18<|endoftext|>\n#### 99999` and ` a\n\nb\n#### 18` are correct for it and
 *   wrong once stopped at the end-of-text or the blank line.
 * - arithmetic: a later line that is exactly end-of-text decides over `</scratch>`, and a blank line
 *   before the answer line cuts it off.
 * How often the last two happen, measured, and why the stops stay: docs/reference-differences.md
 * ("Where a completion stops"). Every task also stops at the literal `<|endoftext|>`: the saved
 * examples end with it, and a model fine-tuned on them whose tokenizer treats it as plain text
 * writes it as text instead of stopping.
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
