import { END_OF_TEXT, type Tokenizer } from '../../core/tokenizer';

/**
 * A lossless tokenizer over UTF-8 bytes (ids 0-255) plus a list of whole words (ids from 256).
 * Encoding takes the longest word that matches at each position, else one byte; decoding maps words
 * back to their text and bytes through UTF-8, so decode(encode(x)) === x for any string.
 */
export class SymbolTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eotId: number;
  private readonly wordIds = new Map<string, number>();
  private readonly wordsByFirstChar = new Map<string, string[]>();
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    readonly name: string,
    private readonly words: readonly string[],
  ) {
    if (!words.includes(END_OF_TEXT)) throw new Error(`tokenizer ${name} must include ${END_OF_TEXT}`);
    words.forEach((word, i) => {
      if (this.wordIds.has(word)) throw new Error(`tokenizer ${name} lists the word ${JSON.stringify(word)} twice`);
      this.wordIds.set(word, 256 + i);
      const bucket = this.wordsByFirstChar.get(word[0]) ?? [];
      bucket.push(word);
      bucket.sort((a, b) => b.length - a.length);
      this.wordsByFirstChar.set(word[0], bucket);
    });
    this.vocabSize = 256 + words.length;
    this.eotId = this.wordIds.get(END_OF_TEXT)!;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let pending = '';
    const flush = () => {
      if (pending) for (const byte of Buffer.from(pending, 'utf8')) ids.push(byte);
      pending = '';
    };
    for (let i = 0; i < text.length;) {
      const word = this.wordsByFirstChar.get(text[i])?.find((w) => text.startsWith(w, i));
      if (word) {
        flush();
        ids.push(this.wordIds.get(word)!);
        i += word.length;
      } else {
        // Keep surrogate pairs together so the UTF-8 bytes of one code point are never split.
        const step = text.codePointAt(i)! > 0xffff ? 2 : 1;
        pending += text.slice(i, i + step);
        i += step;
      }
    }
    flush();
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) out += this.utf8.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id >= 0 && id < 256) bytes.push(id);
      else if (id >= 256 && id < this.vocabSize) {
        flush();
        out += this.words[id - 256];
      } else throw new Error(`token id ${id} is outside tokenizer ${this.name} (vocabulary ${this.vocabSize})`);
    }
    flush();
    return out;
  }
}
