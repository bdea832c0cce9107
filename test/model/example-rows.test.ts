import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packChunks } from '../../core/record-chunks';
import { answerTokens, arithmeticTokenizer, createModel, exampleRows, saveCheckpoint, train } from '../../model';
import { joinUri } from '../../storage';
import { TINY, tempDir } from './fixtures';

const tokenizer = arithmeticTokenizer();
const EOT = '<|endoftext|>';
const example = (a: string, b: string, sum: string) => `\n\nInput:\n${a} + ${b}\nTarget:\n${sum}${EOT}`;

function decodeRows(rows: Int32Array[]): string[] {
  return rows.map((row) => tokenizer.decode(Array.from(row)).replace(/(<\|endoftext\|>)+$/, EOT));
}

void describe('example rows (records longer than the model context)', () => {
  void it('packs whole examples from row starts and drops the pieces a chunk boundary cut', () => {
    const text = `4 C: 1\n1 0 4${EOT}` + example('1', '2', '3') + example('4', '4', '8') + '\n\nInput:\n9 + 9\nTar';
    const { rows, examples, droppedPieces } = exampleRows([new Int32Array(tokenizer.encode(text))], tokenizer, 40);
    assert.equal(examples, 2);
    assert.equal(droppedPieces, 2, 'the leading tail without its question and the trailing head');
    assert.deepEqual(decodeRows(rows), [example('1', '2', '3') + example('4', '4', '8').replace(/<\|endoftext\|>$/, EOT)]);
    assert.ok(rows.every((row) => row.length === 40));
  });

  void it('starts a new row when the next example does not fit, padding with end-of-text the loss never counts', () => {
    const chunk = new Int32Array(
      tokenizer.encode(EOT + example('1 2', '3 4', '4 6') + example('5 5', '1 1', '6 6') + example('7', '1', '8')),
    );
    const rowLength = tokenizer.encode(example('1 2', '3 4', '4 6')).length + 3;
    const { rows } = exampleRows([chunk], tokenizer, rowLength);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      const text = tokenizer.decode(Array.from(row));
      assert.ok(text.startsWith('\n\nInput:'), 'every row starts an example, as at sampling time');
      const counted = tokenizer.decode(Array.from(row).filter((_, i) => answerTokens(row, tokenizer)[i] === 1));
      assert.equal(counted.split(EOT).filter(Boolean).length, 1, `one answer per row here: ${JSON.stringify(counted)}`);
    }
  });

  void it('drops a leading piece even when it holds its answer marker (its question may be cut)', () => {
    const text = `9\nTarget:\n1 8${EOT}` + example('2', '2', '4');
    const { rows, examples, droppedPieces } = exampleRows([new Int32Array(tokenizer.encode(text))], tokenizer, 64);
    assert.equal(examples, 1);
    assert.equal(droppedPieces, 1);
    assert.deepEqual(decodeRows(rows), [example('2', '2', '4')]);
  });

  void it('cuts an example longer than a row into rows, as plain chunks would be', () => {
    const long = example('1 2 3 4 5', '5 4 3 2 1', '6 6 6 6 6');
    const ids = tokenizer.encode(long);
    const { rows, examples } = exampleRows([new Int32Array([tokenizer.eotId, ...ids])], tokenizer, 16);
    assert.equal(examples, 1);
    assert.equal(rows.length, Math.ceil(ids.length / 16));
    assert.deepEqual(Array.from(rows[0]), ids.slice(0, 16));
  });

  void it('is what train() uses when the records are longer than the model context, and refuses chunks with no whole example', async () => {
    const dir = tempDir();
    const base = joinUri(dir, 'base');
    await saveCheckpoint(createModel({ ...TINY, seq: 32 }, { seed: 1 }), base, { step: 0 });
    const text = Array.from({ length: 30 }, (_, k) => example(String(k % 10), '1', String((k % 10) + 1))).join('');
    const { chunks } = packChunks(new Int32Array(tokenizer.encode(text)), 200);
    const trained = await train({
      baseCheckpointUri: base,
      chunks,
      totalSteps: 2,
      outputDirUri: joinUri(dir, 'out'),
      checkpointEvery: 2,
      lr: 1e-3,
      warmupSteps: 0,
      batchSize: 2,
      gradientAccumulationSteps: 1,
      seed: 0,
    });
    assert.equal(trained.step, 2);
    assert.ok(Number.isFinite(trained.loss) && trained.loss > 0);

    const noWhole = [new Int32Array(tokenizer.encode('1 2 3 + 4 5 6 , C: 0\n'.repeat(12)).slice(0, 100))];
    await assert.rejects(
      train({
        baseCheckpointUri: base,
        chunks: noWhole,
        totalSteps: 1,
        outputDirUri: joinUri(dir, 'out2'),
        checkpointEvery: 1,
        lr: 1e-3,
        warmupSteps: 0,
        batchSize: 1,
        gradientAccumulationSteps: 1,
        seed: 0,
      }),
      /hold no whole example/,
    );
  });
});
