import { gpt2Tokenizer } from '../../core/gpt2-tokenizer';
import type { Tokenizer } from '../../core/tokenizer';
import { arithmeticTokenizer } from './arithmetic-tokenizer';
import { byteTokenizer } from './byte-tokenizer';
import { ModelConfigError } from '../errors';

export { arithmeticTokenizer } from './arithmetic-tokenizer';
export { byteTokenizer } from './byte-tokenizer';

const factories: Record<string, () => Tokenizer> = {
  arithmetic: arithmeticTokenizer,
  bytes: byteTokenizer,
  gpt2: () => gpt2Tokenizer,
};
const cache = new Map<string, Tokenizer>();

const TOKENIZER_NAMES = Object.keys(factories);

/** The tokenizer a checkpoint manifest or config names. */
export function tokenizerByName(name: string): Tokenizer {
  const factory = factories[name];
  if (!factory) throw new ModelConfigError(`unknown tokenizer "${name}"; known: ${TOKENIZER_NAMES.join(', ')}`);
  let tokenizer = cache.get(name);
  if (!tokenizer) cache.set(name, (tokenizer = factory()));
  return tokenizer;
}
