import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gpt2EncodeUncached, gpt2Tokenizer, gsmFinalAnswer, type Example } from '../../core';
import { commonsenseQaTask, gsmTask } from '../../dataset-files';
import { REAL_DATA_DIR, realDataSkip } from './helpers';

/** Splits a prompt example into its context (through the last `A:`) and the rationale after it. */
function splitPromptExample(prompt: string): { context: string; output: string } {
  const at = prompt.lastIndexOf('\nA:');
  assert.ok(at !== -1, `prompt example has no "A:" line: ${prompt.slice(0, 80)}`);
  return { context: prompt.slice(0, at + 3), output: prompt.slice(at + 3) };
}

/** The answer key of a commonsenseqa answer-key prompt: the label of the (CORRECT) choice. */
function correctLabel(prompt: string): string {
  const match = /^\(([a-e])\) .* \(CORRECT\)$/m.exec(prompt);
  assert.ok(match, `no (CORRECT) choice in: ${prompt.slice(0, 80)}`);
  return match[1] as string;
}

const cqaExample = (answer: string): Example => ({ id: 'prompt', answer, cls: 'commonsenseqa', hint: answer, question: '' });

void describe('real splits (STAR_DATA_DIR)', { skip: realDataSkip }, () => {
  void it('loads all 9741 + 1221 commonsenseqa examples with unique ids', async () => {
    const train = await commonsenseQaTask.loadSplit(REAL_DATA_DIR, 'train');
    const dev = await commonsenseQaTask.loadSplit(REAL_DATA_DIR, 'dev');
    assert.equal(train.length, 9741);
    assert.equal(dev.length, 1221);
    assert.equal(new Set([...train, ...dev].map((e) => e.id)).size, 9741 + 1221);
    assert.ok(train.every((e) => e.choices?.some((c) => c.label === e.answer)));
  });

  void it('loads all 7473 + 1319 gsm examples, each with a final answer', async () => {
    const train = await gsmTask.loadSplit(REAL_DATA_DIR, 'train');
    const dev = await gsmTask.loadSplit(REAL_DATA_DIR, 'dev');
    assert.equal(train.length, 7473);
    assert.equal(dev.length, 1319);
    assert.ok([...train, ...dev].every((e) => e.answer.length > 0 && !e.answer.includes('\n')));
  });

  for (const direct of [false, true]) {
    void it(`judges every commonsenseqa ${direct ? 'direct ' : ''}prompt rationale correct, plain and answer-key`, async () => {
      const keyed = await commonsenseQaTask.loadFewShot(REAL_DATA_DIR, { answerKey: true, direct });
      const plain = await commonsenseQaTask.loadFewShot(REAL_DATA_DIR, { answerKey: false, direct });
      assert.equal(plain.length, keyed.length);
      keyed.forEach((keyPrompt, i) => {
        const answer = correctLabel(keyPrompt);
        for (const prompt of [keyPrompt, plain[i] as string]) {
          const { output } = splitPromptExample(prompt);
          const result = commonsenseQaTask.check(cqaExample(answer), output);
          assert.equal(result.correct, true, `prompt ${i}: ${output}`);
          assert.equal(result.answerText, output);
        }
        assert.equal(splitPromptExample(plain[i] as string).context, splitPromptExample(keyPrompt).context.replace(' (CORRECT)', ''));
      });
    });
  }

  void it('judges every gsm prompt rationale correct against the hinted final answer', async () => {
    const keyed = await gsmTask.loadFewShot(REAL_DATA_DIR, { answerKey: true, direct: false });
    const plain = await gsmTask.loadFewShot(REAL_DATA_DIR, { answerKey: false, direct: false });
    assert.equal(plain.length, keyed.length);
    keyed.forEach((keyPrompt, i) => {
      const { context } = splitPromptExample(keyPrompt);
      const hint = /\((\S+)\)\nA:$/.exec(context)?.[1];
      assert.ok(hint, `gsm answer-key prompt ${i} shows no (answer) hint`);
      const example: Example = { id: 'prompt', answer: hint, cls: 'gsm', hint, question: '' };
      for (const prompt of [keyPrompt, plain[i] as string]) {
        const result = gsmTask.check(example, splitPromptExample(prompt).output);
        assert.equal(result.correct, true, `prompt ${i}`);
        assert.equal(result.prediction, gsmFinalAnswer(prompt));
      }
    });
  });

  void it("finds the reference's gsm direct answer-key prompt is CommonsenseQA text without #### lines (so it is not checked)", async () => {
    const direct = await gsmTask.loadFewShot(REAL_DATA_DIR, { answerKey: true, direct: true });
    assert.ok(direct.every((prompt) => !prompt.includes('####')));
  });

  void it('tokenizes both datasets exactly as js-tiktoken does, with the pre-token memo', async () => {
    for (const task of [gsmTask, commonsenseQaTask]) {
      const examples = await task.loadSplit(REAL_DATA_DIR, 'train');
      const text = examples.map((e) => `${task.context(e, { hint: true })} ${e.solution ?? ''}<|endoftext|>`).join('\n\n');
      assert.deepEqual(gpt2Tokenizer.encode(text), gpt2EncodeUncached(text), `${task.name} train split`);
    }
  });
});
