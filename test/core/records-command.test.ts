import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, mock } from 'node:test';
import { recordsCommand } from '../../cli/records';
import { gpt2Tokenizer } from '../../core';
import { readRecordsIndex } from '../../dataset-files';
import { tempDir } from './helpers';

function savedTextFolder(): string {
  const dir = path.join(tempDir(), 'exp_1');
  mkdirSync(dir);
  const examples = Array.from({ length: 30 }, (_, i) => `Q: ${i}?\nA: ${i}.<|endoftext|>`);
  writeFileSync(path.join(dir, 'exp_1.txt'), examples.slice(0, 15).join('\n\n'));
  writeFileSync(path.join(dir, 'exp_0.txt'), examples.slice(15).join('\n\n'));
  writeFileSync(path.join(dir, 'notes.md'), 'not an input');
  return dir;
}

void describe('star records', () => {
  void it('converts a folder of saved text into GPT-2 records and an index', async () => {
    const dir = savedTextFolder();
    const out = tempDir();
    const log = mock.method(console, 'log', () => undefined);
    try {
      assert.equal(await recordsCommand([dir, 'exp_1', '--seq', '15', '--seed', '3', '--output-dir', out]), 0);
    } finally {
      log.mock.restore();
    }
    const chunks = await readRecordsIndex(path.join(out, 'exp_1.index'));
    assert.ok(chunks.length > 0);
    assert.ok(chunks.every((c) => c.length === 16));
    assert.match(String(log.mock.calls[0]?.arguments[0]), /records of 16 gpt2 tokens from 30 examples/);
  });

  void it('keeps file and example order with --preserve-order', async () => {
    const dir = savedTextFolder();
    const out = tempDir();
    const log = mock.method(console, 'log', () => undefined);
    try {
      await recordsCommand([path.join(dir, 'exp_0.txt'), path.join(out, 'ordered'), '--seq', '7', '--preserve-order']);
    } finally {
      log.mock.restore();
    }
    const ids = (await readRecordsIndex(path.join(out, 'ordered.index'))).flatMap((c) => Array.from(c));
    assert.ok(gpt2Tokenizer.decode(ids).startsWith('Q: 15?\nA: 15.<|endoftext|>Q: 16?'));
  });

  void it('names a missing input and a bad --seq', async () => {
    await assert.rejects(recordsCommand(['/no/such/folder', 'x']), /\/no\/such\/folder does not exist/);
    await assert.rejects(recordsCommand([savedTextFolder(), 'x', '--seq', '0']), /--seq 0 must be an integer >= 1/);
    await assert.rejects(recordsCommand([savedTextFolder()]), /expected an input and an output name/);
    await assert.rejects(recordsCommand([savedTextFolder(), 'x', '--tokenizer', 'bert']), /unknown tokenizer "bert"/);
  });
});
