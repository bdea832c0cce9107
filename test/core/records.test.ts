import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  crc32c,
  encodeInt64Example,
  frameRecords,
  gpt2EncodeUncached,
  gpt2Tokenizer,
  maskedCrc32c,
  packChunks,
  parseTextExample,
  readTfRecords,
  splitSavedText,
  tokenizeExamples,
  gpt2TokenizerNamed,
  TfRecordCorruptError,
  type Tokenizer,
} from '../../core';
import { readIndexEntries, readRecordsIndex, resolveIndexLine, writeTfRecords } from '../../dataset-files';
import { tempDir } from './helpers';

/** A tiny tokenizer (one id per character, eot 0), standing in for the embedded model's vocabulary. */
const charTokenizer: Tokenizer = {
  name: 'chars',
  vocabSize: 256,
  eotId: 0,
  encode: (text) => Array.from(text.replaceAll('<|endoftext|>', '\u0000'), (ch) => ch.charCodeAt(0) % 256),
  decode: (ids) => Array.from(ids, (id) => (id === 0 ? '<|endoftext|>' : String.fromCharCode(id))).join(''),
};

const kept = ['Q: one\nA: 1<|endoftext|>', 'Q: two\nA: 2<|endoftext|>', 'Q: three\nA: 3<|endoftext|>', 'Q: four\nA: 4<|endoftext|>'];

void describe('GPT-2 tokenizer', () => {
  void it('encodes with r50k_base and turns the literal <|endoftext|> into 50256', () => {
    assert.deepEqual(gpt2Tokenizer.encode('Hello world<|endoftext|>'), [15496, 995, 50256]);
    assert.equal(gpt2Tokenizer.decode([15496, 995, 50256]), 'Hello world<|endoftext|>');
    assert.equal(gpt2Tokenizer.eotId, 50256);
  });

  void it('is found by name, and an unknown name says what exists', () => {
    assert.equal(gpt2TokenizerNamed('gpt2'), gpt2Tokenizer);
    assert.throws(() => gpt2TokenizerNamed('llama'), /core knows "gpt2"/);
  });
});

void describe('CRC32C', () => {
  void it('matches the standard check value', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  });

  void it('gives the same value for any offset into a buffer', () => {
    const bytes = Buffer.from('xx123456789abcdefghijklmnop');
    assert.equal(crc32c(bytes, 2, 11), 0xe3069283);
  });
});

void describe('tf.train.Example encoding', () => {
  void it('writes the packed int64 list byte for byte', () => {
    const bytes = Buffer.from(encodeInt64Example('text', [1, 300]));
    assert.equal(bytes.toString('hex'), '0a110a0f0a0474657874120' + '71a050a0301ac02');
  });

  void it('parses what it writes, including ids above 2^21', () => {
    const ids = [0, 127, 128, 50256, 2 ** 30];
    assert.deepEqual(Array.from(parseTextExample(encodeInt64Example('text', ids))), ids);
  });

  void it('parses the unpacked repeated form too', () => {
    // Int64List with two unpacked values (tag 0x08): 5, 6.
    const int64List = [0x08, 5, 0x08, 6];
    const feature = [0x1a, int64List.length, ...int64List];
    const entry = [0x0a, 4, ...Buffer.from('text'), 0x12, feature.length, ...feature];
    const features = [0x0a, entry.length, ...entry];
    const example = Uint8Array.from([0x0a, features.length, ...features]);
    assert.deepEqual(Array.from(parseTextExample(example)), [5, 6]);
  });

  void it('says so when the text feature is missing', () => {
    assert.throws(
      () => parseTextExample(encodeInt64Example('other', [1]), 'x.tfrecords record 0'),
      /x\.tfrecords record 0: no int64 feature "text"/,
    );
  });
});

void describe('TFRecord framing', () => {
  void it('frames length, masked length CRC, data, masked data CRC', () => {
    const data = Buffer.from('abc');
    const framed = frameRecords([data]);
    assert.equal(framed.length, 3 + 16);
    assert.equal(framed.readBigUInt64LE(0), 3n);
    assert.equal(framed.readUInt32LE(8), maskedCrc32c(framed.subarray(0, 8)));
    assert.equal(framed.readUInt32LE(15), maskedCrc32c(data));
    assert.deepEqual(readTfRecords(framed), [data]);
  });

  void it('names the file and offset of a data CRC mismatch', () => {
    const framed = frameRecords([Buffer.from('first'), Buffer.from('second')]);
    framed[21 + 12] ^= 0xff;
    assert.throws(
      () => readTfRecords(framed, 'gs://b/x.tfrecords'),
      (err: unknown) =>
        err instanceof TfRecordCorruptError &&
        err.offset === 21 &&
        /gs:\/\/b\/x\.tfrecords at byte 21: data CRC mismatch/.test(err.message),
    );
  });

  void it('names a length CRC mismatch and a truncated file', () => {
    const framed = frameRecords([Buffer.from('first')]);
    const badLength = Buffer.from(framed);
    badLength[0] ^= 1;
    assert.throws(() => readTfRecords(badLength, 'f'), /f at byte 0: length CRC mismatch/);
    assert.throws(() => readTfRecords(framed.subarray(0, framed.length - 1), 'f'), /runs past the end/);
  });
});

void describe('packing', () => {
  void it('appends end-of-text after every example', () => {
    assert.deepEqual(Array.from(tokenizeExamples(['ab', 'c'], charTokenizer)), [97, 98, 0, 99, 0]);
  });

  void it('cuts seq + 1 chunks and drops the shorter remainder', () => {
    const { chunks, droppedTokens } = packChunks(
      Int32Array.from({ length: 10 }, (_, i) => i),
      2,
    );
    assert.deepEqual(
      chunks.map((c) => Array.from(c)),
      [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
      ],
    );
    assert.equal(droppedTokens, 1);
  });

  void it('drops the last chunk even when the stream fills it exactly, as the reference does', () => {
    assert.deepEqual([packChunks(new Int32Array(9), 2).chunks.length, packChunks(new Int32Array(9), 2).droppedTokens], [2, 3]);
    assert.deepEqual([packChunks(new Int32Array(0), 2).chunks.length, packChunks(new Int32Array(0), 2).droppedTokens], [0, 0]);
  });

  void it('splits saved text on <|endoftext|> and drops the blank-line separator', () => {
    assert.deepEqual(splitSavedText('A<|endoftext|>\n\nB\n\nC<|endoftext|>'), ['A', 'B\n\nC']);
    assert.deepEqual(splitSavedText(''), []);
  });
});

void describe('writing and reading records', () => {
  void it('round-trips token ids through the records and the index, in order', async () => {
    const dir = tempDir();
    const result = await writeTfRecords({
      texts: kept,
      tokenizer: charTokenizer,
      seq: 7,
      preserveOrder: true,
      outputPrefixUri: path.join(dir, 'exp_1'),
    });
    const expected = packChunks(
      tokenizeExamples(
        kept.map((t) => t.replace('<|endoftext|>', '')),
        charTokenizer,
      ),
      7,
    ).chunks;
    assert.equal(result.chunkCount, expected.length);
    assert.equal(result.exampleCount, 4);
    assert.equal(readFileSync(path.join(dir, 'exp_1.index'), 'utf8'), `${path.join(dir, 'exp_1.tfrecords')}\n`);
    const chunks = await readRecordsIndex(path.join(dir, 'exp_1.index'));
    assert.deepEqual(
      chunks.map((c) => Array.from(c)),
      expected.map((c) => Array.from(c)),
    );
    assert.ok(chunks.every((c) => c.length === 8));
  });

  void it('writes GPT-2 records that decode back to the kept text', async () => {
    const dir = tempDir();
    await writeTfRecords({ texts: kept, tokenizer: gpt2Tokenizer, seq: 3, preserveOrder: true, outputPrefixUri: `file://${dir}/g` });
    const chunks = await readRecordsIndex(`file://${dir}/g.index`);
    const ids = chunks.flatMap((c) => Array.from(c));
    assert.ok(kept.join('').startsWith(gpt2Tokenizer.decode(ids)));
    assert.ok(ids.includes(50256));
  });

  void it('reads saved text files, whole examples only, and shuffles chunks reproducibly by seed', async () => {
    const dir = tempDir();
    const many = Array.from({ length: 40 }, (_, i) => `Q: ${i}\nA: ${i * 7}<|endoftext|>`);
    writeFileSync(path.join(dir, 'exp_0.txt'), many.slice(0, 20).join('\n\n'));
    writeFileSync(path.join(dir, 'exp_1.txt'), many.slice(20).join('\n\n'));
    const files = [path.join(dir, 'exp_0.txt'), path.join(dir, 'exp_1.txt')];
    const read = async (name: string, seed: number, preserveOrder = false) => {
      await writeTfRecords({
        textFileUris: files,
        tokenizer: charTokenizer,
        seq: 15,
        seed,
        preserveOrder,
        outputPrefixUri: path.join(dir, name),
      });
      return (await readRecordsIndex(path.join(dir, `${name}.index`))).map((c) => Array.from(c).join(','));
    };
    const ordered = await read('ordered', 1, true);
    const a = await read('a', 10);
    const b = await read('b', 10);
    const c = await read('c', 11);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.notDeepEqual(a, ordered);
    const orderedText = charTokenizer.decode((await readRecordsIndex(path.join(dir, 'ordered.index'))).flatMap((x) => Array.from(x)));
    assert.ok(many.join('').startsWith(orderedText), 'the separator is not in the records');
  });

  void it('resolves relative index lines against the index folder', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub/x.tfrecords'), '');
    writeFileSync(path.join(dir, 'rel.index'), 'sub/x.tfrecords\n/abs/y.tfrecords\ngs://b/z.tfrecords\n');
    assert.deepEqual(await readIndexEntries(path.join(dir, 'rel.index')), [
      path.join(dir, 'sub/x.tfrecords'),
      '/abs/y.tfrecords',
      'gs://b/z.tfrecords',
    ]);
  });

  void it('names the record file when a record is corrupt', async () => {
    const dir = tempDir();
    await writeTfRecords({ texts: kept, tokenizer: charTokenizer, seq: 7, outputPrefixUri: path.join(dir, 'bad') });
    const file = path.join(dir, 'bad.tfrecords');
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0x55;
    writeFileSync(file, bytes);
    await assert.rejects(
      readRecordsIndex(path.join(dir, 'bad.index')),
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} at byte \\d+: data CRC mismatch`),
    );
  });

  void it('refuses both or neither of texts and textFileUris', async () => {
    await assert.rejects(
      writeTfRecords({ tokenizer: charTokenizer, outputPrefixUri: path.join(tempDir(), 'x') }),
      /exactly one of texts, textFileUris or textFileUri/,
    );
  });
});

void describe('memoised GPT-2 encode', () => {
  void it("equals js-tiktoken's own encode on whitespace, digits, unicode and repeats", () => {
    const samples = [
      'a  b   c\n\n\nd \n e\t\tf  ',
      'Q: 12,345 + 6.78 = <<12345+6.78=12351.78>>12351.78\n#### 12351.78',
      "it's they're we'll I'd 'quoted' ünïcödé ✓ 日本語 🙂\r\n",
      '   leading and trailing   ',
      'x<|endoftext|>y<|endoftext|><|endoftext|>\n\nz',
    ];
    for (const text of [...samples, samples.join(''), samples.join('')]) {
      assert.deepEqual(gpt2Tokenizer.encode(text), gpt2EncodeUncached(text), JSON.stringify(text));
    }
  });
});

void describe('index entries', () => {
  void it('resolves relative lines of a gs:// index against its folder', () => {
    assert.equal(resolveIndexLine('gs://bucket/data/exp/exp_1.index', 'exp_0.tfrecords'), 'gs://bucket/data/exp/exp_0.tfrecords');
    assert.equal(resolveIndexLine('gs://bucket/data/exp_1.index', 'gs://other/x.tfrecords'), 'gs://other/x.tfrecords');
    assert.equal(resolveIndexLine('file:///runs/a%20b/e.index', 'e.tfrecords'), '/runs/a b/e.tfrecords');
  });
});
