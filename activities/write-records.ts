/**
 * Tokenizes the record folder's text files (the kept text plus any copyN files) with the tokenizer of
 * the model that trains — the embedded base model's own vocabulary, or GPT-2 BPE for the reference
 * trainer — into TFRecords, and writes the iteration's index file (`{exp}_{i}.index`). The same
 * examples also go, as text, into `{exp}_{i}.jsonl` beside the index: `{prompt, completion}` lines for
 * trainers that tokenize themselves (the Hugging Face trainer in python/).
 */
import { gpt2Tokenizer } from '../core/gpt2-tokenizer';
import { promptCompletionJsonl, trainingJsonlUri } from '../core/prompt-completion';
import { writeTfRecords } from '../dataset-files/records';
import { DEFAULT_RECORD_SEQ } from '../core/record-chunks';
import type { Tokenizer } from '../core/tokenizer';
import { readManifest as readCheckpointManifest, tokenizerByName } from '../model';
import { exists, joinUri, list, readJson, readText, writeBytes } from '../storage';
import { trainerNamed } from '../trainers';
import type { ActivityDeps } from './deps';
import { asActivity, badInput } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { checkCheckpoint } from './prepare-experiment';
import { whileHeartbeating } from '../activity-context/progress';
import type { WriteRecordsInput, WriteRecordsResult } from '../contracts/activities';

export async function writeRecords(_deps: ActivityDeps, input: WriteRecordsInput): Promise<WriteRecordsResult> {
  return asActivity(`writing the records (iteration ${input.iteration})`, async () => {
    const textFiles = (await list(input.recordFolder)).filter((uri) => uri.endsWith('.txt'));
    if (textFiles.length === 0) throw badInput(`${input.recordFolder} holds no .txt files; the generation step should have written one`);
    const trainer = await trainerTokenizer(input);
    const key = inputKey({
      step: 'records',
      textFiles,
      prefix: input.recordsPrefix,
      index: input.indexUri,
      tokenizer: trainer.tokenizer.name,
      seq: trainer.seq,
    });
    return once(input.manifestUri, key, () =>
      whileHeartbeating(`tokenizing ${textFiles.length} text file(s) with ${trainer.tokenizer.name}`, async () => {
        const written = await writeTfRecords({
          textFileUris: textFiles,
          tokenizer: trainer.tokenizer,
          seq: trainer.seq,
          outputPrefixUri: input.recordsPrefix,
        });
        // The reference names the training set `{exp}/{exp}_{i}.index`; its line is the record file.
        await writeBytes(input.indexUri, await readText(written.indexUri));
        const texts = await Promise.all([...textFiles].sort().map((uri) => readText(uri)));
        await writeBytes(trainingJsonlUri(input.indexUri), promptCompletionJsonl(texts).jsonl);
        return {
          indexUri: input.indexUri,
          examples: written.exampleCount,
          records: written.chunkCount,
          tokens: written.tokenCount,
          tokenizer: written.tokenizer,
        };
      }),
    );
  });
}

/**
 * The tokenizer and record length of the model that trains: an embedded checkpoint (it has a manifest)
 * names its own tokenizer, whichever trainer runs it (the embedded one, or its command-line entry on a
 * host), and its records are cut at the longer of its context and the trainer config's `seq` (a longer
 * chunk is repacked into whole examples by the trainer: model/example-rows.ts); anything else — the
 * reference's GPT-J checkpoints — trains on GPT-2 BPE, chunked by the trainer config's `seq`.
 */
async function trainerTokenizer(input: WriteRecordsInput): Promise<{ tokenizer: Tokenizer; seq: number }> {
  const { options } = input;
  const base = options.baseModelLocation;
  const { recordTokenizer } = trainerNamed(options.trainer);
  if (
    recordTokenizer === 'base-checkpoint' ||
    (recordTokenizer === 'base-checkpoint-if-any' && (await exists(joinUri(base, 'manifest.json'))))
  ) {
    await checkCheckpoint(base, 'baseModelLocation');
    const manifest = await readCheckpointManifest(base);
    const seq = Number((manifest.config as { seq?: unknown }).seq);
    if (!Number.isInteger(seq) || seq < 1) throw badInput(`${base}: its manifest's config has no valid seq`);
    const configSeq = (await exists(input.trainerConfigUri))
      ? configuredSeq(await readJson<{ seq?: unknown }>(input.trainerConfigUri))
      : undefined;
    return { tokenizer: tokenizerByName(manifest.tokenizer), seq: Math.max(seq, configSeq ?? 0) };
  }
  if (!(await exists(input.trainerConfigUri))) throw badInput(`trainer config ${input.trainerConfigUri} does not exist (set baseConfig)`);
  return { tokenizer: gpt2Tokenizer, seq: configuredSeq(await readJson<{ seq?: unknown }>(input.trainerConfigUri)) ?? DEFAULT_RECORD_SEQ };
}

function configuredSeq(config: { seq?: unknown }): number | undefined {
  return typeof config.seq === 'number' && Number.isInteger(config.seq) && config.seq > 0 ? config.seq : undefined;
}
