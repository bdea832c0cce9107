/**
 * Which tokens of a packed training chunk the loss counts, as the reference trains only on answers:
 * in each example (text up to and including an end-of-text), the tokens after the last answer marker
 * (`A:` for QA, `Target:` for arithmetic: core/prompt-completion.ts) up to and including the end-of-text. A marker counts only
 * at the start of the text or after whitespace, so the scratchpad's `C:` (and words ending in `A:`)
 * never start an answer. A chunk that begins inside an example whose marker was cut off contributes
 * nothing for that example; a chunk cut inside an answer counts the answer tokens it holds.
 */
import { answerStart } from '../core/prompt-completion';
import type { Tokenizer } from '../core/tokenizer';

const pieceCache = new WeakMap<Tokenizer, Map<number, string>>();

function piece(tokenizer: Tokenizer, id: number): string {
  let cache = pieceCache.get(tokenizer);
  if (!cache) pieceCache.set(tokenizer, (cache = new Map()));
  let text = cache.get(id);
  if (text === undefined) cache.set(id, (text = tokenizer.decode([id])));
  return text;
}

/** 1 for every token of `ids` inside an answer span, else 0. */
export function answerTokens(ids: ArrayLike<number>, tokenizer: Tokenizer): Uint8Array {
  const inAnswer = new Uint8Array(ids.length);
  let start = 0;
  for (let i = 0; i <= ids.length; i++) {
    if (i === ids.length || ids[i] === tokenizer.eotId) {
      const end = Math.min(i, ids.length - 1); // inclusive: the end-of-text itself counts
      markSegment(ids, tokenizer, start, end, inAnswer);
      start = i + 1;
    }
  }
  return inAnswer;
}

function markSegment(ids: ArrayLike<number>, tokenizer: Tokenizer, start: number, end: number, inAnswer: Uint8Array): void {
  if (end < start) return;
  const offsets: number[] = [];
  let text = '';
  for (let i = start; i <= end; i++) {
    offsets.push(text.length);
    if (ids[i] !== tokenizer.eotId) text += piece(tokenizer, ids[i]);
  }
  const answerFrom = answerStart(text);
  if (answerFrom < 0) return;
  for (let i = start; i <= end; i++) if (offsets[i - start] >= answerFrom) inAnswer[i] = 1;
}

/**
 * The loss mask of a chunk of `len + 1` ids trained as inputs ids[0..len-1] -> targets ids[1..len]:
 * mask[i] says whether the prediction of ids[i + 1] counts.
 */
export function targetMask(chunk: ArrayLike<number>, tokenizer: Tokenizer): Float32Array {
  const inAnswer = answerTokens(chunk, tokenizer);
  const mask = new Float32Array(chunk.length - 1);
  for (let i = 0; i < mask.length; i++) mask[i] = inAnswer[i + 1];
  return mask;
}
