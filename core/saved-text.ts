import { END_OF_TEXT } from './tokenizer';

/**
 * The saved text of an iteration: kept examples (`context + answer + <|endoftext|>`) joined by a
 * blank line, `\n\n`, as PIPELINE.md describes. (The reference printed them back to back; the records
 * step splits on `<|endoftext|>` and drops the separator, so the training tokens are the same.)
 */
export const EXAMPLE_SEPARATOR = '\n\n';

export function joinSavedExamples(texts: readonly string[]): string {
  return texts.join(EXAMPLE_SEPARATOR);
}

/**
 * Splits saved text back into example documents, as the records converter sees them: on
 * `<|endoftext|>`, without the `\n\n` separator in front, dropping empty pieces.
 */
export function splitSavedText(text: string): string[] {
  const docs: string[] = [];
  for (const piece of text.split(END_OF_TEXT)) {
    const doc = piece.startsWith(EXAMPLE_SEPARATOR) ? piece.slice(EXAMPLE_SEPARATOR.length) : piece;
    if (doc.length > 0) docs.push(doc);
  }
  return docs;
}

/**
 * The number of kept examples in saved text, for the epoch growth rule: every kept example ends with
 * `<|endoftext|>`. The reference computed `len(text.split("\n\n"))`, which equals this count for text
 * joined by blank lines unless an example itself contains a blank line (a few-shot prompt under
 * few_shot_train, a gsm rationale with an empty line); counting end-of-text markers is exact.
 * Empty text has 0 examples.
 */
export function countExamples(text: string): number {
  return splitSavedText(text).length;
}
