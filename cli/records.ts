import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_RECORD_SEED, DEFAULT_RECORD_SEQ, gpt2TokenizerNamed } from '../core';
import { writeTfRecords, type TfRecordsResult } from '../dataset-files';
import { joinUri, list, schemeOf } from '../storage';
import { parseCommandArgs } from './args';
import { UsageError } from './errors';

const USAGE =
  'star records <input dir or .txt file> <output name> [--seq N] [--seed N] [--preserve-order] [--tokenizer gpt2] [--output-dir DIR]';

/**
 * The saved text files to convert: a `.txt` file, or every `.txt` file in a folder (the reference's
 * converter also reads jsonl.zst/xz/tar.gz archives; STaR only ever feeds it .txt).
 */
async function inputFiles(input: string): Promise<string[]> {
  if (schemeOf(input) === 'gs' || input.startsWith('file://')) {
    if (input.endsWith('.txt')) return [input];
    return (await list(input)).filter((uri) => uri.endsWith('.txt'));
  }
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    throw new UsageError(`${input} does not exist: give a saved-text .txt file or a folder of them\nusage: ${USAGE}`);
  }
  if (!isDir) {
    if (!input.endsWith('.txt')) throw new UsageError(`${input} is not a .txt file\nusage: ${USAGE}`);
    return [path.resolve(input)];
  }
  return (await list(path.resolve(input))).filter((uri) => uri.endsWith('.txt'));
}

function integerFlag(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new UsageError(`--${name} ${value} must be an integer >= ${min}\nusage: ${USAGE}`);
  return parsed;
}

export function describeRecords(result: TfRecordsResult): string {
  return [
    `wrote ${result.chunkCount} records of ${result.seq + 1} ${result.tokenizer} tokens from ${result.exampleCount} examples (${result.tokenCount} tokens)`,
    `dropped ${result.droppedTokens} tokens of trailing data`,
    `records: ${result.recordUris.join(', ')}`,
    `index:   ${result.indexUri}`,
  ].join('\n');
}

/** `star records`: the reference's create_finetune_tfrecords.py, for saved STaR text. Returns the exit code. */
export async function recordsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      seq: { type: 'string' },
      seed: { type: 'string' },
      'preserve-order': { type: 'boolean' },
      tokenizer: { type: 'string' },
      'output-dir': { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    console.log(
      `usage: ${USAGE}\nWrites {output name}.tfrecords (chunks of seq + 1 GPT-2 tokens, default seq ${DEFAULT_RECORD_SEQ}) and {output name}.index.`,
    );
    return 0;
  }
  if (positionals.length !== 2)
    throw new UsageError(`expected an input and an output name, got ${positionals.length} arguments\nusage: ${USAGE}`);
  const [input, name] = positionals as [string, string];
  const files = await inputFiles(input);
  if (files.length === 0) throw new UsageError(`no .txt files in ${input}\nusage: ${USAGE}`);
  let tokenizer;
  try {
    tokenizer = gpt2TokenizerNamed(values.tokenizer ?? 'gpt2');
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${USAGE}`);
  }
  const outputDir = values['output-dir'];
  const outputPrefixUri = outputDir
    ? joinUri(schemeOf(outputDir) === 'gs' ? outputDir : path.resolve(outputDir), name)
    : path.resolve(name);
  const result = await writeTfRecords({
    textFileUris: files,
    tokenizer,
    seq: integerFlag(values.seq, 'seq', DEFAULT_RECORD_SEQ, 1),
    seed: integerFlag(values.seed, 'seed', DEFAULT_RECORD_SEED, 0),
    preserveOrder: values['preserve-order'] ?? false,
    outputPrefixUri,
  });
  console.log(describeRecords(result));
  return 0;
}
