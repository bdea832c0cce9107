import { END_OF_TEXT } from '../../core/tokenizer';
import { SymbolTokenizer } from './symbol-tokenizer';

/** Plain UTF-8 bytes plus end-of-text: the embedded model's tokenizer for free text (QA tasks). */
export function byteTokenizer(): SymbolTokenizer {
  return new SymbolTokenizer('bytes', [END_OF_TEXT]);
}
