/**
 * The token stream of the training records, as the reference converter cuts it: examples tokenized
 * with an end-of-text id after each, then chunks of `seq + 1`. Pure; dataset-files/records.ts writes and
 * reads the files.
 */
import type { Tokenizer } from './tokenizer';

/** The reference's `seq` (chunks are `seq + 1` = 1537 tokens) and its converter's default seed. */
export const DEFAULT_RECORD_SEQ = 1536;
export const DEFAULT_RECORD_SEED = 10;

/**
 * Tokenizes example documents (text without `<|endoftext|>`), appending the end-of-text id to each,
 * into one stream of ids.
 */
export function tokenizeExamples(docs: readonly string[], tokenizer: Tokenizer): Int32Array {
  const parts = docs.map((doc) => tokenizer.encode(doc));
  const out = new Int32Array(parts.reduce((sum, ids) => sum + ids.length + 1, 0));
  let offset = 0;
  for (const ids of parts) {
    out.set(ids, offset);
    offset += ids.length;
    out[offset++] = tokenizer.eotId;
  }
  return out;
}

/**
 * Cuts the token stream into chunks of `seq + 1` tokens. The last piece is dropped as trailing data
 * whether it is short or exactly full, as the reference converter does (`arrays_to_sequences` only
 * emits a chunk once more tokens follow it; `chunk_and_finalize` then drops the last one).
 */
export function packChunks(tokens: Int32Array, seq: number): { chunks: Int32Array[]; droppedTokens: number } {
  if (!Number.isInteger(seq) || seq < 1) throw new RangeError(`seq ${seq} must be a positive integer`);
  const size = seq + 1;
  const count = tokens.length === 0 ? 0 : Math.floor((tokens.length - 1) / size);
  const chunks: Int32Array[] = [];
  for (let k = 0; k < count; k += 1) chunks.push(tokens.subarray(k * size, (k + 1) * size));
  return { chunks, droppedTokens: tokens.length - count * size };
}
