/**
 * Training records on storage: `writeRecords` tokenizes saved text into TFRecord files and their
 * index (mesh-transformer-jax format); `readRecordsIndex` reads them back, index lines resolved as the
 * reference resolves them.
 */
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { exists, localPathOf, readBytes, readText, schemeOf, writeBytes } from '../storage';
import { mulberry32, shuffleInPlace } from '../core/prng';
import { universalNewlines } from '../core/python-text';
import { splitSavedText } from '../core/saved-text';
import { frameRecords, readTfRecords } from '../core/tfrecord';
import { encodeInt64Example, parseTextExample } from '../core/tf-example';
import type { Tokenizer } from '../core/tokenizer';
import { DEFAULT_RECORD_SEED, DEFAULT_RECORD_SEQ, packChunks, tokenizeExamples } from '../core/record-chunks';
import { BadInputError } from '../core/errors';

export interface TfRecordsInput {
  /** Kept example texts (each may end with `<|endoftext|>`); or give `textFileUris`. */
  texts?: readonly string[];
  /** Saved text files (examples joined by `\n\n`, each ending in `<|endoftext|>`). */
  textFileUris?: readonly string[];
  /** One saved text file (same as `textFileUris: [uri]`). */
  textFileUri?: string;
  tokenizer: Tokenizer;
  seq?: number;
  seed?: number;
  /** Keep file, example and chunk order (no shuffles); files are then read in sorted order. */
  preserveOrder?: boolean;
  /** Writes `{prefix}.tfrecords` and `{prefix}.index`. */
  outputPrefixUri: string;
}

export interface TfRecordsResult {
  recordUris: string[];
  indexUri: string;
  exampleCount: number;
  tokenCount: number;
  chunkCount: number;
  droppedTokens: number;
  /** Each record holds `seq + 1` tokens. */
  seq: number;
  tokenizer: string;
}

export class RecordsInputError extends BadInputError {
  override readonly name = 'RecordsInputError';
}

/**
 * The documents as the reference converter sees them, in its order: files shuffled (sorted with
 * preserveOrder), newlines read as text mode reads them, split on `<|endoftext|>` without our `\n\n`
 * separator, empty pieces dropped, then
 * documents shuffled. One Mulberry32 stream seeded with `seed` drives all three shuffles
 * (files, documents, chunks), in that order.
 */
async function collectDocs(input: TfRecordsInput, next: () => number): Promise<string[]> {
  const given = [input.texts, input.textFileUris, input.textFileUri].filter((x) => x !== undefined).length;
  if (given !== 1) throw new RecordsInputError('give exactly one of texts, textFileUris or textFileUri to writeTfRecords');
  let docs: string[];
  if (input.texts) {
    docs = input.texts.flatMap((text) => splitSavedText(universalNewlines(text)));
  } else {
    const uris = input.textFileUri !== undefined ? [input.textFileUri] : [...(input.textFileUris as readonly string[])];
    if (input.preserveOrder) uris.sort();
    else shuffleInPlace(uris, next);
    docs = [];
    // Read as the reference reads its text files (text mode): `\r\n` and `\r` become `\n`.
    for (const uri of uris) docs.push(...splitSavedText(universalNewlines(await readText(uri))));
  }
  if (!input.preserveOrder) shuffleInPlace(docs, next);
  return docs;
}

/** How a record file is named inside the index: a local path for local files (what TensorFlow reads), else the URI. */
function indexEntry(recordUri: string): string {
  return schemeOf(recordUri) === 'file' ? localPathOf(recordUri) : recordUri;
}

/** Tokenizes, packs, shuffles and writes the records and their index (mesh-transformer-jax format). */
export async function writeTfRecords(input: TfRecordsInput): Promise<TfRecordsResult> {
  const seq = input.seq ?? DEFAULT_RECORD_SEQ;
  const next = mulberry32(input.seed ?? DEFAULT_RECORD_SEED);
  const docs = await collectDocs(input, next);
  const tokens = tokenizeExamples(docs, input.tokenizer);
  const { chunks, droppedTokens } = packChunks(tokens, seq);
  if (!input.preserveOrder) shuffleInPlace(chunks, next);
  const recordUri = `${input.outputPrefixUri}.tfrecords`;
  const indexUri = `${input.outputPrefixUri}.index`;
  await writeBytes(recordUri, frameRecords(chunks.map((chunk) => encodeInt64Example('text', chunk))));
  await writeBytes(indexUri, `${indexEntry(recordUri)}\n`);
  return {
    recordUris: [recordUri],
    indexUri,
    exampleCount: docs.length,
    tokenCount: tokens.length,
    chunkCount: chunks.length,
    droppedTokens,
    seq,
    tokenizer: input.tokenizer.name,
  };
}

/** A record file named by an index line: absolute paths and URIs as they are, relative ones against the index's folder. */
export function resolveIndexLine(indexUri: string, line: string): string {
  if (line.startsWith('gs://') || line.startsWith('file://') || isAbsolute(line)) return line;
  if (schemeOf(indexUri) === 'gs') return `gs://${posix.join(posix.dirname(indexUri.slice('gs://'.length)), line)}`;
  return posix.join(dirname(localPathOf(indexUri)), line);
}

/**
 * Where a relative index line may point: the index's folder (what this project's own indexes mean),
 * then, for a local index, the working directory (the reference's meaning: its `data/{exp}/{exp}_{i}.index`
 * holds `{task}/{exp}/{exp}_{i-1}.tfrecords`, relative to the folder it runs in).
 */
export function indexLineCandidates(indexUri: string, line: string): string[] {
  const own = resolveIndexLine(indexUri, line);
  if (own === line || schemeOf(indexUri) === 'gs') return [own];
  const fromWorkingDir = resolve(line);
  return fromWorkingDir === own ? [own] : [own, fromWorkingDir];
}

/** The record file an index line names: the first of its candidates that exists. */
export async function resolveIndexEntry(indexUri: string, line: string): Promise<string> {
  const candidates = indexLineCandidates(indexUri, line);
  // One place to look: the reader reports it if it is missing.
  if (candidates.length === 1) return candidates[0] as string;
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  throw new RecordsInputError(
    `${indexUri} names ${line}, which exists neither against the index's folder (${candidates[0]}) nor against the working directory (${candidates[1]}): ` +
      'write the record file as an absolute path or URI in the index, or run from the folder the index is relative to',
  );
}

/** The record file URIs an index names, one per non-empty line. */
export async function readIndexEntries(indexUri: string): Promise<string[]> {
  const lines = (await readText(indexUri))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const entries: string[] = [];
  for (const line of lines) entries.push(await resolveIndexEntry(indexUri, line));
  return entries;
}

/** Reads every record file of an index (CRCs verified) and returns the token chunks in file order. */
export async function readRecordsIndex(indexUri: string): Promise<Int32Array[]> {
  const chunks: Int32Array[] = [];
  for (const uri of await readIndexEntries(indexUri)) {
    const records = readTfRecords(await readBytes(uri), uri);
    records.forEach((record, k) => chunks.push(parseTextExample(record, `${uri} record ${k}`)));
  }
  return chunks;
}
