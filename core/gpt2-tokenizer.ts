import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { END_OF_TEXT, type Tokenizer } from './tokenizer';
import { BadInputError } from './errors';

/**
 * GPT-2 byte-level BPE (`r50k_base`, the vocabulary of the reference's `GPT2TokenizerFast('gpt2')`),
 * from js-tiktoken, which ships the ranks: nothing is downloaded at run time. The ranks are parsed on
 * first use, not at import.
 *
 * Speed: js-tiktoken re-runs byte-pair merging for every pre-token; STaR text repeats the same words
 * and numbers constantly, so pre-tokens (the matches of r50k_base's split pattern) are memoised.
 * Each pre-token is encoded on its own, which is what BPE does anyway (merges never cross pre-token
 * boundaries); a real-data test checks the result equals js-tiktoken's own encode on both datasets.
 */
const GPT2_EOT_ID = 50256;
const CACHE_LIMIT = 200_000;

interface Gpt2State {
  encoding: Tiktoken;
  split: RegExp;
  cache: Map<string, number[]>;
}

/**
 * r50k_base's split pattern with `\s` read as the tokenizer's regex engine reads it: Unicode
 * White_Space, which holds U+0085 and not U+FEFF. JavaScript's `\s` is the other way round for
 * exactly these two code points, so `"a \x85b"` and `"x \ufeffy"` split differently from
 * GPT2TokenizerFast without this.
 */
function gpt2SplitPattern(patStr: string): string {
  return patStr.replaceAll('\\s', '\\p{White_Space}').replaceAll('\\S', '\\P{White_Space}');
}

let state: Gpt2State | undefined;
function getState(): Gpt2State {
  if (!state) {
    // The ranks subpath exists only in the package's `exports` map, which this project's `node`
    // module resolution does not read for types; Node's require does at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ranks = require('js-tiktoken/ranks/r50k_base') as TiktokenBPE;
    // js-tiktoken splits with the pattern it is given: give it the corrected one too, so a piece
    // is never split again by the other reading of `\s`.
    const patStr = gpt2SplitPattern(ranks.pat_str);
    state = { encoding: new Tiktoken({ ...ranks, pat_str: patStr }), split: new RegExp(patStr, 'gu'), cache: new Map() };
  }
  return state;
}

function encodeOrdinary(text: string, out: number[]): void {
  const { encoding, split, cache } = getState();
  for (const match of text.matchAll(split)) {
    const piece = match[0];
    let ids = cache.get(piece);
    if (!ids) {
      ids = encoding.encode(piece, [], []);
      if (cache.size < CACHE_LIMIT) cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }
}

/** js-tiktoken's own encode, without the memo (the reference the memoised encode is tested against). */
export function gpt2EncodeUncached(text: string): number[] {
  return getState().encoding.encode(text, [END_OF_TEXT]);
}

export const gpt2Tokenizer: Tokenizer = {
  name: 'gpt2',
  vocabSize: 50257,
  eotId: GPT2_EOT_ID,
  // Only `<|endoftext|>` is special in r50k_base; the literal becomes id 50256.
  encode(text) {
    const out: number[] = [];
    text.split(END_OF_TEXT).forEach((part, i) => {
      if (i > 0) out.push(GPT2_EOT_ID);
      encodeOrdinary(part, out);
    });
    return out;
  },
  decode: (ids) => getState().encoding.decode(Array.from(ids)),
};

export class UnknownTokenizerError extends BadInputError {
  override readonly name = 'UnknownTokenizerError';
}

/** GPT-2 BPE by the names a converter is given ("gpt2", "r50k_base"); the embedded model's tokenizers are model/'s tokenizerByName. */
export function gpt2TokenizerNamed(name: string): Tokenizer {
  if (name === 'gpt2' || name === 'r50k_base') return gpt2Tokenizer;
  throw new UnknownTokenizerError(
    `unknown tokenizer "${name}": core knows "gpt2" (r50k_base); pass the embedded model's Tokenizer object for its vocabulary`,
  );
}
