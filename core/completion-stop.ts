/**
 * Where a completion may stop before end-of-text or genLength (docs/completion-stop.md has the
 * argument in full):
 * - `afterAnswer`: the checker's result (decision, prediction and saved text) can no longer change,
 *   whatever follows. This never changes what the checker decides, by construction.
 * - `repeatedLines`: the last N complete lines are the same line; `repeatedTail`: the last N
 *   characters are one short piece written over and over (`2 2 2 2 …` within a line). These are the
 *   loops a failing completion of a real model runs to genLength in. They can change a decision: a
 *   completion that leaves the loop later and then writes a right answer is judged on the cut text,
 *   which has none. No rule that cuts before the answer is read can avoid that with the reference's
 *   checkers (they do not read the rationale), so they are opt-in, and their effect is measured.
 * Plain data, so the rule crosses to the compute pool's worker threads with the sampling options.
 */
import type { TaskName } from './example';
import { END_OF_TEXT } from './tokenizer';

/** How the checker of the running task reads an output: enough to know when its answer is settled. */
export interface AnswerReading {
  task: TaskName | 'file';
  /** A task file's stop strings: its checker reads nothing past the first of them (nor past end-of-text). */
  taskStops?: readonly string[];
}

export interface CompletionStopRule {
  /** Stop once the answer is settled (`answerSettled`). */
  afterAnswer?: AnswerReading;
  /** Stop once this many complete lines in a row are the same line (at least 2). */
  repeatedLines?: number;
  /** Stop once the last this many characters repeat one piece of at most a quarter of them (`endsInRepeatedTail`). */
  repeatedTail?: number;
}

export type CompletionStopReason = 'answer-settled' | 'repeated-lines' | 'repeated-tail';

/** Why the rule stops the completion `text` now, or undefined to go on. */
export function completionStopReason(text: string, rule: CompletionStopRule): CompletionStopReason | undefined {
  if (rule.afterAnswer && answerSettled(text, rule.afterAnswer)) return 'answer-settled';
  if (rule.repeatedLines !== undefined && endsInRepeatedLines(text, rule.repeatedLines)) return 'repeated-lines';
  if (rule.repeatedTail !== undefined && endsInRepeatedTail(text, rule.repeatedTail)) return 'repeated-tail';
  return undefined;
}

/** The complete lines of `text`: every line followed by a newline (the last piece may still grow). */
function completeLines(text: string): string[] {
  return text.split('\n').slice(0, -1);
}

/**
 * Whether the checker of `reading.task` gives the same result (correct, prediction, saved text) on
 * `text + s` as on `text` for every continuation `s`. Each case is the checker's own rule read
 * backwards (PIPELINE.md, "Answer checking"):
 * - a task file's checker reads up to the first end-of-text or stop string: settled once one is in
 *   `text` and no stop string that `s` completes could start before it;
 * - commonsenseqa reads the first line, cut at end-of-text: settled once a newline or end-of-text is in;
 * - gsm reads up to the first line holding `####`: settled once such a line is complete (the lines
 *   before it and the line itself no longer change, and the prediction is read from them alone);
 * - arithmetic answers with the line before the first line that is exactly end-of-text, else the
 *   line after the first `</scratch>` line. A later end-of-text line overrules a `</scratch>` (and
 *   the embedded model ends its output with one after a newline), so only a complete end-of-text
 *   line at index 1 or later settles it; at index 0 the answer is the output's last line.
 * The clean-up of spaces (decode-cleanup.ts) changes none of this: no pattern or replacement of it
 * holds a newline, `#`, `<`, `|` or `>`, so it keeps lines, `####` and end-of-text where they are.
 */
export function answerSettled(text: string, reading: AnswerReading): boolean {
  switch (reading.task) {
    case 'file':
      return cutSettled(text, [END_OF_TEXT, ...(reading.taskStops ?? [])]);
    case 'commonsenseqa':
      return text.includes('\n') || text.includes(END_OF_TEXT);
    case 'gsm':
      return completeLines(text).some((line) => line.includes('####'));
    case 'arithmetic':
      return completeLines(text).indexOf(END_OF_TEXT) >= 1;
  }
}

/**
 * Whether the text before the first of `stops` is final: it is unless a stop string could still
 * start before that first one, which needs the rest of `text` from that start to be the beginning
 * of the stop string (`bcd` after `…bc`, with stops `bcd` and `c`).
 */
function cutSettled(text: string, stops: readonly string[]): boolean {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  if (first === -1) return false;
  for (const stop of stops) {
    for (let start = Math.max(0, text.length - stop.length + 1); start < first; start++) {
      if (stop.startsWith(text.slice(start))) return false;
    }
  }
  return true;
}

/** Whether the last `count` complete lines of `text` are one line repeated (blank lines count too). */
export function endsInRepeatedLines(text: string, count: number): boolean {
  const lines = completeLines(text);
  if (count < 2 || lines.length < count) return false;
  const last = lines[lines.length - 1];
  for (let i = lines.length - count; i < lines.length - 1; i++) if (lines[i] !== last) return false;
  return true;
}

/**
 * Whether the last `span` characters of `text` are one piece of at most `span / 4` characters
 * written at least four times in a row (the last copy may be partial): `, 1 2 2 2 2 2 2 …` has the
 * piece ` 2`, `7 9 3 7 9 3 …` the piece `7 9 3 `. A line loop is one too once the lines are short.
 */
export function endsInRepeatedTail(text: string, span: number): boolean {
  if (span < 4 || text.length < span) return false;
  const start = text.length - span;
  for (let period = 1; period <= Math.floor(span / 4); period++) {
    let periodic = true;
    for (let i = start + period; i < text.length && periodic; i++) periodic = text[i] === text[i - period];
    if (periodic) return true;
  }
  return false;
}
