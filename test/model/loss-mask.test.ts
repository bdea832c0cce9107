import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerTokens, arithmeticTokenizer, byteTokenizer, targetMask } from '../../model';
import type { Tokenizer } from '../../core/tokenizer';
import { scratchpadExample } from './fixtures';

/** The text of the tokens the loss counts. */
function counted(tokenizer: Tokenizer, text: string): string {
  const ids = tokenizer.encode(text);
  const mask = answerTokens(ids, tokenizer);
  return tokenizer.decode(ids.filter((_, i) => mask[i] === 1));
}

void describe('answer loss mask', () => {
  const arithmetic = arithmeticTokenizer();

  void it('counts only what follows Target:, including the end-of-text, never the question', () => {
    const example = scratchpadExample(29, 57);
    const answer = example.slice(example.indexOf('Target:') + 'Target:'.length);
    assert.equal(counted(arithmetic, example), answer);
    assert.ok(!counted(arithmetic, example).includes('Input:'));
  });

  void it('does not treat the scratchpad C: as the answer marker', () => {
    const text = scratchpadExample(456, 789);
    const got = counted(arithmetic, text);
    assert.ok(got.startsWith('\n<scratch>\n4 5 6 + 7 8 9 , C: 0'), got);
  });

  void it('uses the last A: of each example (few-shot prompts hold earlier ones)', () => {
    const bytes = byteTokenizer();
    const text = 'Q: 1?\nA: one.\n\nQ: 2?\nA: two.<|endoftext|>Q: 3?\nA: three.<|endoftext|>';
    assert.equal(counted(bytes, text), ' two.<|endoftext|> three.<|endoftext|>');
  });

  void it('ignores words that merely end in A:', () => {
    const bytes = byteTokenizer();
    assert.equal(counted(bytes, 'Q: USA: big?\nA: yes<|endoftext|>'), ' yes<|endoftext|>');
  });

  void it('counts nothing for an example whose marker was cut off the chunk start', () => {
    const text = ' 8 6\n<|endoftext|>Input:\n1 + 2\nTarget:\n3';
    assert.equal(counted(arithmetic, text), '\n3');
  });

  void it('shifts the mask onto prediction targets', () => {
    const ids = arithmetic.encode('Input:\n1 + 2\nTarget:\n3<|endoftext|>');
    const mask = targetMask(ids, arithmetic);
    assert.equal(mask.length, ids.length - 1);
    const targetsCounted = ids.slice(1).filter((_, i) => mask[i] === 1);
    assert.equal(arithmetic.decode(targetsCounted), '\n3<|endoftext|>');
  });
});
