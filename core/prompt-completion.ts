/**
 * Kept examples as `{prompt, completion}` pairs, the form Hugging Face trainers take: the completion is
 * what the reference's loss counts (model/loss-mask.ts), the text after the example's last answer
 * marker (`A:` for QA, `Target:` for arithmetic), and the prompt is everything before it. The
 * end-of-text is not part of the completion: the trainer appends its own tokenizer's end-of-sequence.
 */
import { universalNewlines } from './python-text';
import { splitSavedText } from './saved-text';

/** An answer marker counts only at the start of the text or after whitespace, so the scratchpad's `C:` never does. */
export const ANSWER_MARKER = /(^|\s)(A:|Target:)/g;

export interface PromptCompletion {
  prompt: string;
  completion: string;
}

/** Where the answer of `text` starts (just after its last marker), or -1 when it has no marker. */
export function answerStart(text: string): number {
  let start = -1;
  for (const match of text.matchAll(ANSWER_MARKER)) start = match.index + match[0].length;
  return start;
}

/** The example cut after its last answer marker; undefined when there is no marker or nothing follows it (nothing to train on). */
export function splitAtAnswer(example: string): PromptCompletion | undefined {
  const start = answerStart(example);
  if (start < 0 || start === example.length) return undefined;
  return { prompt: example.slice(0, start), completion: example.slice(start) };
}

export interface PromptCompletionLines {
  /** One JSON object per line, each line ending in `\n`. */
  jsonl: string;
  examples: number;
  /** Examples without an answer marker (or with nothing after it), which the reference's loss never counts either. */
  skipped: number;
}

/**
 * Saved text (examples ending in `<|endoftext|>`, joined by blank lines) as prompt/completion JSONL, in
 * order; newlines normalised as the records step reads the text (`\r\n` and `\r` become `\n`).
 */
export function promptCompletionJsonl(savedTexts: readonly string[]): PromptCompletionLines {
  let jsonl = '';
  let examples = 0;
  let skipped = 0;
  for (const example of savedTexts.flatMap((text) => splitSavedText(universalNewlines(text)))) {
    const pair = splitAtAnswer(example);
    if (!pair) {
      skipped += 1;
      continue;
    }
    jsonl += `${JSON.stringify(pair)}\n`;
    examples += 1;
  }
  return { jsonl, examples, skipped };
}

/**
 * The iteration's examples as JSONL, beside its records index: `{exp}_{i}.index` → `{exp}_{i}.jsonl`.
 * The records step writes it and the config step names it (`train_jsonl`), both from the index URI,
 * so the workflow passes nothing new. The reference trainer reads only the fields it knows, so the
 * extra config field does not disturb it.
 */
export function trainingJsonlUri(indexUri: string): string {
  return indexUri.endsWith('.index') ? `${indexUri.slice(0, -'.index'.length)}.jsonl` : `${indexUri}.jsonl`;
}
