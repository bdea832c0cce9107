import type { Tokenizer } from '../../core/tokenizer';
import { arithmeticTokenizer } from './arithmetic-tokenizer';
import { byteTokenizer } from './byte-tokenizer';

export { arithmeticTokenizer, ARITHMETIC_WORDS } from './arithmetic-tokenizer';
export { byteTokenizer } from './byte-tokenizer';
export { SymbolTokenizer } from './symbol-tokenizer';

/** GPT-2 BPE comes from core (records for the reference trainer); loaded only when asked for. */
function gpt2(): Tokenizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../core/gpt2-tokenizer') as { gpt2Tokenizer?: Tokenizer };
  if (!mod.gpt2Tokenizer) throw new Error('core/gpt2-tokenizer does not export gpt2Tokenizer');
  return mod.gpt2Tokenizer;
}

const factories: Record<string, () => Tokenizer> = {
  arithmetic: arithmeticTokenizer,
  bytes: byteTokenizer,
  gpt2,
};
const cache = new Map<string, Tokenizer>();

export const TOKENIZER_NAMES = Object.keys(factories);

/** The tokenizer a checkpoint manifest or config names. */
export function tokenizerByName(name: string): Tokenizer {
  const factory = factories[name];
  if (!factory) throw new Error(`unknown tokenizer "${name}"; known: ${TOKENIZER_NAMES.join(', ')}`);
  let tokenizer = cache.get(name);
  if (!tokenizer) cache.set(name, (tokenizer = factory()));
  return tokenizer;
}
