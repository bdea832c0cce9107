/**
 * `npx tsx bench/records-throughput.ts --data DIR [--runs N]` (DIR, or STAR_DATA_DIR, holds
 * `gsm/train_rand_split.jsonl`): throughput of turning kept STaR text into training records, on the
 * gsm train split (7473 examples shaped like kept examples: `Q: …\nA: {solution}<|endoftext|>`,
 * joined by blank lines). Prints MB of UTF-8 text per second for
 * GPT-2 tokenization alone (first pass and with the pre-token memo warm), for Example encoding + TFRecord framing alone, and for the whole
 * writeTfRecords (split, tokenize, pack, shuffle, encode, frame, write to a temp folder), best of N runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeInt64Example, frameRecords, gpt2Tokenizer, joinSavedExamples, packChunks, splitSavedText, tokenizeExamples } from '../core';
import { gsmTask, writeTfRecords } from '../dataset-files';

function bestOf<T>(runs: number, work: () => T): { seconds: number; value: T } {
  let best = Infinity;
  let value: T | undefined;
  for (let r = 0; r < runs; r += 1) {
    const start = process.hrtime.bigint();
    value = work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds: best, value: value as T };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, runs: { type: 'string' } } });
  const dataDir = values.data ?? process.env.STAR_DATA_DIR;
  if (!dataDir)
    throw new Error(
      'bench/records-throughput.ts needs the data splits: pass --data DIR or set STAR_DATA_DIR (a folder with gsm/train_rand_split.jsonl)',
    );
  const runs = Number(values.runs ?? 3);
  const examples = await gsmTask.loadSplit(dataDir, 'train');
  const text = joinSavedExamples(examples.map((e) => `${gsmTask.context(e, { hint: false })} ${e.solution}<|endoftext|>`));
  const megabytes = Buffer.byteLength(text, 'utf8') / 1e6;

  const loadStart = process.hrtime.bigint();
  gpt2Tokenizer.encode('warm up');
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;

  const docs = splitSavedText(text);
  // The first pass fills the tokenizer's pre-token memo; later passes show the warm rate.
  const cold = bestOf(1, () => tokenizeExamples(docs, gpt2Tokenizer));
  const tokenize = bestOf(runs, () => tokenizeExamples(docs, gpt2Tokenizer));
  const { chunks } = packChunks(tokenize.value, 1536);
  const frame = bestOf(runs, () => frameRecords(chunks.map((chunk) => encodeInt64Example('text', chunk))));

  const dir = mkdtempSync(path.join(tmpdir(), 'bench-records-'));
  let whole = Infinity;
  try {
    for (let r = 0; r < runs; r += 1) {
      const start = process.hrtime.bigint();
      await writeTfRecords({ texts: [text], tokenizer: gpt2Tokenizer, outputPrefixUri: path.join(dir, `gsm_${r}`) });
      whole = Math.min(whole, Number(process.hrtime.bigint() - start) / 1e9);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rate = (seconds: number) => (megabytes / seconds).toFixed(2);
  console.log(
    `gsm train: ${examples.length} examples, ${megabytes.toFixed(2)} MB of text, ${tokenize.value.length} tokens, ${chunks.length} records of 1537 tokens`,
  );
  console.log(`GPT-2 ranks load (once per process): ${(loadSeconds * 1000).toFixed(0)} ms`);
  console.log(`tokenization, first pass:  ${rate(cold.seconds)} MB/s (${(cold.value.length / cold.seconds / 1e6).toFixed(2)} M tokens/s)`);
  console.log(
    `tokenization, warm memo:   ${rate(tokenize.seconds)} MB/s (${(tokenize.value.length / tokenize.seconds / 1e6).toFixed(2)} M tokens/s)`,
  );
  console.log(
    `Example encode + framing:  ${rate(frame.seconds)} MB/s of source text (${(frame.value.length / frame.seconds / 1e6).toFixed(1)} MB/s of record bytes)`,
  );
  console.log(`writeTfRecords end to end: ${rate(whole)} MB/s (${whole.toFixed(2)} s, best of ${runs})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
