import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { END_OF_TEXT, type Tokenizer } from './tokenizer';

/**
 * GPT-2 byte-level BPE (`r50k_base`, the vocabulary of the reference's `GPT2TokenizerFast('gpt2')`),
 * from js-tiktoken, which ships the ranks: nothing is downloaded at run time. The ranks are parsed on
 * first use, not at import.
 */
const GPT2_EOT_ID = 50256;

let encoding: Tiktoken | undefined;
function getEncoding(): Tiktoken {
  if (!encoding) {
    // The ranks subpath exists only in the package's `exports` map, which this project's `node`
    // module resolution does not read for types; Node's require does at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const r50kBase = require('js-tiktoken/ranks/r50k_base') as TiktokenBPE;
    encoding = new Tiktoken(r50kBase);
  }
  return encoding;
}

export const gpt2Tokenizer: Tokenizer = {
  name: 'gpt2',
  vocabSize: 50257,
  eotId: GPT2_EOT_ID,
  // Only `<|endoftext|>` is special in r50k_base; allowing it makes the literal become id 50256.
  encode: (text) => getEncoding().encode(text, [END_OF_TEXT]),
  decode: (ids) => getEncoding().decode(Array.from(ids)),
};

export class UnknownTokenizerError extends Error {
  override readonly name = 'UnknownTokenizerError';
}

/** Tokenizers core knows by name (the embedded model passes its own Tokenizer object instead). */
export function tokenizerByName(name: string): Tokenizer {
  if (name === 'gpt2' || name === 'r50k_base') return gpt2Tokenizer;
  throw new UnknownTokenizerError(`unknown tokenizer "${name}": core knows "gpt2" (r50k_base); pass the embedded model's Tokenizer object for its vocabulary`);
}
