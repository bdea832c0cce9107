import { END_OF_TEXT } from '../../core/tokenizer';
import { SymbolTokenizer } from './symbol-tokenizer';

/**
 * One token per scratchpad symbol. The scratchpad writes digits separated by spaces (`2 9 + 5 7 , C: 0`),
 * so a symbol together with the space before it is one token (` 9`, ` +`, ` C:`): that halves the
 * sequence length of every problem (and so the cost of attention, training and sampling) without
 * changing what the model has to learn. Everything else falls back to single bytes, so any text
 * round-trips.
 */
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const ARITHMETIC_WORDS: readonly string[] = [
  END_OF_TEXT,
  'Input:',
  'Target:',
  '<scratch>',
  '</scratch>',
  'C:',
  ' C:',
  'A:',
  'Q:',
  ' +',
  ' ,',
  ...DIGITS.map((d) => ` ${d}`),
];

export function arithmeticTokenizer(): SymbolTokenizer {
  return new SymbolTokenizer('arithmetic', ARITHMETIC_WORDS);
}
