import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gpt2Tokenizer } from '../../core';
import { readRecordsIndex, writeTfRecords } from '../../dataset-files';
import { tempDir } from './helpers';

/**
 * TensorFlow's own TFRecord reader and tf.train.Example parser must accept our records (CI installs
 * requirements-dev.txt). Set STAR_PYTHON to pick the interpreter.
 */
const python = process.env.STAR_PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import tensorflow'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
const skip =
  probe.status === 0 ? false : `Python TensorFlow is not importable with ${python} (pip install -r requirements-dev.txt to run this test)`;

const READER = `
import json, sys
import tensorflow as tf
out = []
for raw in tf.data.TFRecordDataset(sys.argv[1]):
    example = tf.train.Example.FromString(raw.numpy())
    out.append(list(example.features.feature["text"].int64_list.value))
print(json.dumps(out))
`;

function readWithTensorflow(file: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(python, ['-c', READER, file], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    maxBuffer: 1 << 28,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

void describe('records read by TensorFlow', { skip }, () => {
  void it('decode to the same token ids with tf.data.TFRecordDataset', async () => {
    const dir = tempDir();
    const texts = Array.from({ length: 60 }, (_, i) => `Q: What is ${i} + ${i}?\nA: ${2 * i}. ünïcödé ✓<|endoftext|>`);
    await writeTfRecords({ texts, tokenizer: gpt2Tokenizer, seq: 63, seed: 5, outputPrefixUri: path.join(dir, 'tf') });
    const ours = (await readRecordsIndex(path.join(dir, 'tf.index'))).map((c) => Array.from(c));
    const run = readWithTensorflow(path.join(dir, 'tf.tfrecords'));
    assert.equal(run.status, 0, run.stderr);
    const theirs = JSON.parse(run.stdout.trim().split('\n').pop() as string) as number[][];
    assert.ok(ours.length > 5);
    assert.deepEqual(theirs, ours);
  });

  void it('are checked by TensorFlow, which rejects a corrupted copy', async () => {
    const dir = tempDir();
    await writeTfRecords({
      texts: ['Q: a\nA: b<|endoftext|>'.repeat(30)],
      tokenizer: gpt2Tokenizer,
      seq: 15,
      outputPrefixUri: path.join(dir, 'bad'),
    });
    const file = path.join(dir, 'bad.tfrecords');
    const bytes = readFileSync(file);
    bytes[20] ^= 0x01;
    writeFileSync(file, bytes);
    const run = readWithTensorflow(file);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /corrupted record|DataLoss/i);
  });
});
