/**
 * The reference read every generated continuation through `tokenizer.decode(ids)` of the transformers
 * of its day (4.24), whose default `clean_up_tokenization_spaces=True` then runs
 * `clean_up_tokenization`: ten plain replacements, in this order, over the whole decoded text. The
 * answer checkers read the cleaned text, so it decides what counts as correct: ` So the answer is
 * (e) .` is read as `)`, ` So the answer is (e).` as `e`. The saved rationales are the cleaned text too.
 */
const REPLACEMENTS: readonly (readonly [string, string])[] = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

/** transformers' `clean_up_tokenization` (Python's `str.replace` replaces every occurrence, left to right). */
export function cleanUpTokenization(text: string): string {
  let out = text;
  for (const [from, to] of REPLACEMENTS) out = out.replaceAll(from, to);
  return out;
}
