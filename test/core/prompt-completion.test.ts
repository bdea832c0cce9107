import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arithmeticWorkedExample, joinSavedExamples, promptCompletionJsonl, splitAtAnswer, trainingJsonlUri } from '../../core';
import { answerTokens } from '../../model';
import type { Tokenizer } from '../../core/tokenizer';

const chars: Tokenizer = {
  name: 'chars',
  vocabSize: 256,
  eotId: 0,
  encode: (text) => Array.from(text.replaceAll('<|endoftext|>', '\u0000'), (ch) => ch.charCodeAt(0) % 256),
  decode: (ids) => Array.from(ids, (id) => (id === 0 ? '<|endoftext|>' : String.fromCharCode(id))).join(''),
};

void describe('prompt/completion pairs of kept examples', () => {
  void it('cuts a QA example after its last A: (a few-shot prompt inside it keeps its own answers in the prompt)', () => {
    const example = 'Q: 1+1?\nA: 2.\n\nQ: Where?\nAnswer Choices:\n(a) here\nA: Here is a place. So the answer is (a).';
    assert.deepEqual(splitAtAnswer(example), {
      prompt: 'Q: 1+1?\nA: 2.\n\nQ: Where?\nAnswer Choices:\n(a) here\nA:',
      completion: ' Here is a place. So the answer is (a).',
    });
  });

  void it("cuts an arithmetic example after Target:, not at the scratchpad's C:", () => {
    const example = arithmeticWorkedExample('2 9 + 5 7');
    const pair = splitAtAnswer(example);
    assert.equal(pair?.prompt, 'Input:\n2 9 + 5 7\nTarget:');
    assert.ok(pair?.completion.startsWith('\n<scratch>\n2 9 + 5 7 , C: 0'));
    assert.ok(pair?.completion.endsWith('</scratch>\n8 6'));
  });

  void it("trains on what the embedded trainer's loss mask counts: the completion, then end-of-text", () => {
    for (const example of [arithmeticWorkedExample('4 5 + 6 7'), 'Q: x?\nA: The answer is (b).']) {
      const pair = splitAtAnswer(example);
      assert.ok(pair);
      const ids = chars.encode(`${example}<|endoftext|>`);
      const counted = chars.decode(ids.filter((_, k) => answerTokens(ids, chars)[k] === 1));
      assert.equal(counted, `${pair.completion}<|endoftext|>`);
    }
  });

  void it('skips examples without an answer marker or with nothing after it', () => {
    assert.equal(splitAtAnswer('no marker here'), undefined);
    assert.equal(splitAtAnswer('Q: x\nA:'), undefined);
    const text = joinSavedExamples(['Q: a\nA: 1<|endoftext|>', 'nothing<|endoftext|>', 'Q: b\nA: 2<|endoftext|>']);
    const lines = promptCompletionJsonl([text]);
    assert.equal(lines.examples, 2);
    assert.equal(lines.skipped, 1);
    assert.deepEqual(
      lines.jsonl
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      [
        { prompt: 'Q: a\nA:', completion: ' 1' },
        { prompt: 'Q: b\nA:', completion: ' 2' },
      ],
    );
  });

  void it('reads the saved text as the records step does: \\r\\n and \\r become \\n', () => {
    const lines = promptCompletionJsonl(['Q: a\r\nA: 1\r2<|endoftext|>']);
    assert.deepEqual(JSON.parse(lines.jsonl), { prompt: 'Q: a\nA:', completion: ' 1\n2' });
  });

  void it('names the JSONL after the records index it sits beside', () => {
    assert.equal(trainingJsonlUri('gs://b/runs/exp/exp_3.index'), 'gs://b/runs/exp/exp_3.jsonl');
    assert.equal(trainingJsonlUri('/runs/exp/exp_3.index'), '/runs/exp/exp_3.jsonl');
  });
});
