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
 * `<|endoftext|>`, dropping empty pieces, and without the `\n\n` separator we put between examples.
 * The first example has no separator in front, so it keeps whatever it starts with: under
 * few_shot_train with no_prompt every saved example starts with `\n\n` (an empty prompt joined, then
 * `\n\n`), the first one included, as in the reference's records.
 */
export function splitSavedText(text: string): string[] {
  const docs: string[] = [];
  text.split(END_OF_TEXT).forEach((piece, k) => {
    const doc = k > 0 && piece.startsWith(EXAMPLE_SEPARATOR) ? piece.slice(EXAMPLE_SEPARATOR.length) : piece;
    if (doc.length > 0) docs.push(doc);
  });
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
