import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END_OF_TEXT } from '../../core/tokenizer';
import { arithmeticTokenizer, byteTokenizer, tokenizerByName } from '../../model';
import { scratchpadExample } from './fixtures';

void describe('embedded tokenizers', () => {
  const arithmetic = arithmeticTokenizer();

  void it('round-trips any text, including non-ASCII and control characters', () => {
    const texts = ['', 'Q: what is 2+2?\nA: 4', 'naïve café — 日本語 🙂', '\t\r\n\u0000~', scratchpadExample(987, 65)];
    for (const tokenizer of [arithmetic, byteTokenizer()]) {
      for (const text of texts) assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
    }
  });

  void it('maps the end-of-text literal to eotId and back', () => {
    for (const tokenizer of [arithmetic, byteTokenizer()]) {
      const ids = tokenizer.encode(`a${END_OF_TEXT}b`);
      assert.deepEqual(ids, [97, tokenizer.eotId, 98]);
      assert.equal(tokenizer.decode([tokenizer.eotId]), END_OF_TEXT);
    }
  });

  void it('gives every scratchpad symbol one token', () => {
    const pieces = arithmetic.encode('Input:\n2 9 + 5 7 , C: 0\nTarget:\n<scratch>\n</scratch>').map((id) => arithmetic.decode([id]));
    assert.deepEqual(pieces, [
      'Input:',
      '\n',
      '2',
      ' 9',
      ' +',
      ' 5',
      ' 7',
      ' ,',
      ' C:',
      ' 0',
      '\n',
      'Target:',
      '\n',
      '<scratch>',
      '\n',
      '</scratch>',
    ]);
  });

  void it('keeps a 5-digit scratchpad problem well inside the default context', () => {
    assert.ok(arithmetic.encode(scratchpadExample(99999, 99999)).length < 128);
  });

  void it('finds tokenizers by name and rejects unknown names', () => {
    assert.equal(tokenizerByName('arithmetic').name, 'arithmetic');
    assert.equal(tokenizerByName('bytes').vocabSize, 257);
    assert.throws(() => tokenizerByName('nope'), /unknown tokenizer "nope"; known: arithmetic, bytes/);
  });

  void it('rejects ids outside the vocabulary when decoding', () => {
    assert.throws(() => arithmetic.decode([arithmetic.vocabSize]), /outside tokenizer arithmetic/);
  });
});
