import type { Tokenizer } from '../core/tokenizer';
import { answerTokens } from './loss-mask';

/**
 * Training rows for records whose chunks are longer than the model's context.
 *
 * The reference's records concatenate the kept examples and cut the stream into chunks of `seq + 1`
 * tokens (PIPELINE.md), so with a context as short as the embedded model's (129 tokens, a 5-digit
 * scratchpad is ~110) most long examples are cut in two: the tail loses its question and the head its
 * end, and the examples that survive sit at arbitrary offsets. Fine-tuning the arithmetic base on
 * such chunks made it worse, while the same steps on whole examples, each starting a row as at
 * sampling time, made it better (docs/performance.md).
 *
 * So when a trainer config asks for records longer than the model's context, the trainer splits each
 * chunk at its end-of-text tokens and packs the whole examples it holds into rows of the model's
 * length, padded with end-of-text (which the loss mask never counts). The two pieces a chunk cut are
 * dropped: the trailing head, and the leading piece, even when it still holds its answer marker: its
 * question may have lost its start, and a scratchpad that copies operands the row does not show
 * teaches the model to invent them. (The leading piece is whole only when the previous chunk ended
 * exactly at an end-of-text, which a chunk cannot tell.) An example longer than a row is cut into rows as
 * before. Deterministic in the chunk order, so a resumed run rebuilds the same rows.
 */
export interface ExampleRows {
  rows: Int32Array[];
  /** Whole examples packed (an example longer than a row counts once). */
  examples: number;
  /** Pieces dropped because a chunk boundary cut them, or because no token of theirs is an answer. */
  droppedPieces: number;
}

export function exampleRows(chunks: readonly Int32Array[], tokenizer: Tokenizer, rowLength: number): ExampleRows {
  if (!Number.isInteger(rowLength) || rowLength < 2) throw new Error(`exampleRows: rowLength must be an integer >= 2, got ${rowLength}`);
  const pieces: Int32Array[] = [];
  let examples = 0;
  let droppedPieces = 0;
  for (const chunk of chunks) {
    const inAnswer = answerTokens(chunk, tokenizer);
    let start = 0;
    let leading = true;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== tokenizer.eotId) continue;
      const piece = chunk.subarray(start, i + 1);
      const answers = inAnswer.subarray(start, i + 1);
      start = i + 1;
      if (leading) {
        leading = false;
        if (piece.length > 1) droppedPieces += 1;
        continue;
      }
      // Lone end-of-text tokens and pieces without an answer have nothing the loss would count.
      if (!answers.includes(1)) {
        if (piece.length > 1) droppedPieces += 1;
        continue;
      }
      examples += 1;
      if (piece.length <= rowLength) {
        pieces.push(piece);
        continue;
      }
      // Each window of a too-long example fills a row of its own (the last one padded to the full length).
      for (let k = 0; k < piece.length; k += rowLength) {
        const window = new Int32Array(rowLength).fill(tokenizer.eotId);
        window.set(piece.subarray(k, k + rowLength));
        pieces.push(window);
      }
    }
    if (start < chunk.length) droppedPieces += 1; // the head of an example the next chunk continues
  }
  return { rows: packRows(pieces, rowLength, tokenizer.eotId), examples, droppedPieces };
}

/**
 * Packs pieces of at most `rowLength` tokens, in order, into rows of `rowLength`: a piece that does not
 * fit the current row starts the next one, so no piece is cut and every row starts a piece; rows are
 * filled up with end-of-text, which the loss mask never counts. Also packs the arithmetic pretraining
 * corpus (scripts/pretrain-arithmetic-base.ts).
 */
export function packRows(pieces: readonly ArrayLike<number>[], rowLength: number, eotId: number): Int32Array[] {
  const rows: Int32Array[] = [];
  let row: Int32Array | undefined;
  let used = 0;
  for (const piece of pieces) {
    if (!row || used + piece.length > rowLength) {
      row = new Int32Array(rowLength).fill(eotId);
      rows.push(row);
      used = 0;
    }
    row.set(piece, used);
    used += piece.length;
  }
  return rows;
}
