/**
 * What the training activity and the model cache add to model/'s own typed errors: the option a
 * checkpoint came from and how to fix it, and records checked against the model record by record, so
 * a failure names the record file (model/train only sees the chunks). All of it is bad input: a
 * non-retryable failure naming the URI and what to do.
 */
import { parseTextExample } from '../core/tf-example';
import { readTfRecords } from '../core/tfrecord';
import { readIndexEntries } from '../dataset-files/records';
import {
  CheckpointError,
  exampleRows,
  parseModelConfig,
  readManifest,
  tokenizerByName,
  type CheckpointManifest,
  type ModelConfig,
} from '../model';
import { joinUri, readBytes } from '../storage';
import { badInput } from '../activity-context/failures';

/**
 * The manifest of the checkpoint at `uri`. model/ reports a missing or unreadable one as a
 * CheckpointError; this names `what` it is (e.g. "baseModelLocation") and adds `fix`.
 */
export async function requireCheckpoint(uri: string, what: string, fix: string): Promise<CheckpointManifest> {
  try {
    return await readManifest(uri);
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(`${what} ${err.message}. ${fix}.`);
    throw err;
  }
}

/**
 * The token chunks of a records index, checked against the model that will train on them: every
 * chunk at least 2 ids long (longer than seq+1 is repacked into whole examples by the trainer), all of
 * one length, every id inside the vocabulary. A mismatch means the records were written for another
 * model (another tokenizer) than `checkpointUri`.
 */
export async function checkedTrainingChunks(indexUri: string, manifest: CheckpointManifest, checkpointUri: string): Promise<Int32Array[]> {
  let model: ModelConfig;
  try {
    model = parseModelConfig(manifest.config, `the config in ${joinUri(checkpointUri, 'manifest.json')}`);
  } catch (err) {
    throw badInput(
      `${(err as Error).message}. Point baseModelLocation at a checkpoint written by the embedded trainer (or model/train-cli.ts)`,
    );
  }
  const { seq, n_vocab: vocab } = model;
  const rewrite =
    `The records must be written with the tokenizer and seq of the model that trains on them (${checkpointUri}: tokenizer ${manifest.tokenizer}, ` +
    `n_vocab ${vocab}, seq ${seq}): point baseModelLocation back at the model the records were written for, or write the iteration's ` +
    'records again with `star redo <experiment> --iteration <i> --step records`';
  const chunks: Int32Array[] = [];
  let first: { length: number; where: string } | undefined;
  for (const recordUri of await readIndexEntries(indexUri)) {
    const records = readTfRecords(await readBytes(recordUri), recordUri);
    records.forEach((record, k) => {
      const where = `${recordUri} record ${k}`;
      const chunk = parseTextExample(record, where);
      // Chunks longer than the context are repacked into whole examples by the trainer.
      if (chunk.length < 2)
        throw badInput(`${where} (from ${indexUri}) has ${chunk.length} tokens; a training chunk needs at least 2. ${rewrite}.`);
      if (first && chunk.length !== first.length) {
        throw badInput(
          `${where} (from ${indexUri}) has ${chunk.length} tokens but ${first.where} has ${first.length}; all chunks of one training set must be equally long. ${rewrite}.`,
        );
      }
      first ??= { length: chunk.length, where };
      for (const id of chunk) {
        if (id < 0 || id >= vocab) {
          throw badInput(
            `${where} (from ${indexUri}) holds token id ${id}, outside the vocabulary of ${checkpointUri} (n_vocab ${vocab}). ${rewrite}.`,
          );
        }
      }
      chunks.push(chunk);
    });
  }
  if (
    chunks.length > 0 &&
    chunks[0].length > seq + 1 &&
    exampleRows(chunks, tokenizerByName(manifest.tokenizer), seq + 1).rows.length === 0
  ) {
    throw badInput(
      `the records of ${indexUri} have chunks of ${chunks[0].length} tokens, longer than the context of ${checkpointUri} (seq ${seq} + 1), ` +
        'so the trainer packs the whole examples they hold into rows, but they hold none (no end-of-text-terminated example with an answer). ' +
        `${rewrite}.`,
    );
  }
  return chunks;
}
