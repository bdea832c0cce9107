import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCommonsenseQa, type Example } from '../../core';
import { commonsenseQaTask } from '../../dataset-files';
import { FIXTURE_DATA_DIR } from './helpers';

const example: Example = {
  id: 'q1',
  answer: 'B',
  cls: 'commonsenseqa',
  hint: 'B',
  question: 'What is red?',
  choices: [
    { label: 'A', text: 'sky' },
    { label: 'B', text: 'blood' },
  ],
};

void describe('commonsenseqa task', () => {
  void it('loads a split in the reference field layout', async () => {
    const train = await commonsenseQaTask.loadSplit(FIXTURE_DATA_DIR, 'train');
    assert.equal(train.length, 3);
    assert.deepEqual(train[0], {
      id: 'cqa-fixture-1',
      answer: 'B',
      cls: 'commonsenseqa',
      hint: 'B',
      question: 'What is red?',
      choices: [
        { label: 'A', text: 'sky' },
        { label: 'B', text: 'blood' },
        { label: 'C', text: 'grass' },
        { label: 'D', text: 'snow' },
        { label: 'E', text: 'coal' },
      ],
    });
  });

  void it('builds the context with lowercased labels, ending in A:', () => {
    assert.equal(commonsenseQaTask.context(example, { hint: false }), 'Q: What is red?\nAnswer Choices:\n(a) sky\n(b) blood\nA:');
  });

  void it('marks the correct choice with (CORRECT) in the hinted context', () => {
    assert.equal(commonsenseQaTask.context(example, { hint: true }), 'Q: What is red?\nAnswer Choices:\n(a) sky\n(b) blood (CORRECT)\nA:');
  });

  void it('loads the plain and answer-key few-shot prompts split on blank lines', async () => {
    const plain = await commonsenseQaTask.loadFewShot(FIXTURE_DATA_DIR, { answerKey: false, direct: false });
    const key = await commonsenseQaTask.loadFewShot(FIXTURE_DATA_DIR, { answerKey: true, direct: false });
    assert.equal(plain.length, 2);
    assert.ok(plain[0]?.startsWith('Q: What is red?'));
    assert.ok(key[0]?.includes('(b) blood (CORRECT)'));
  });

  void it('names the missing prompt file when a variant does not exist', async () => {
    await assert.rejects(commonsenseQaTask.loadFewShot(FIXTURE_DATA_DIR, { answerKey: false, direct: true }), /prompts_direct\.txt/);
  });

  void it('reads the prediction from the third-to-last character of the first line', () => {
    const result = checkCommonsenseQa(example, ' Blood is red. Therefore, the answer is blood (b).\n\nQ: next question');
    assert.deepEqual(result, { correct: true, prediction: 'b', answerText: ' Blood is red. Therefore, the answer is blood (b).' });
  });

  void it('compares the answer key case-insensitively', () => {
    assert.equal(checkCommonsenseQa(example, ' ... (B).').correct, true);
  });

  void it('judges a wrong letter incorrect but still reports it', () => {
    const result = checkCommonsenseQa(example, ' The sky. Therefore, the answer is sky (a).');
    assert.equal(result.correct, false);
    assert.equal(result.prediction, 'a');
  });

  void it('ends the output at <|endoftext|> in the middle of the first line', () => {
    const result = checkCommonsenseQa(example, ' the answer is blood (b).<|endoftext|>garbage (a).');
    assert.deepEqual(result, { correct: true, prediction: 'b', answerText: ' the answer is blood (b).' });
  });

  void it('gives no prediction for an empty output', () => {
    assert.deepEqual(checkCommonsenseQa(example, ''), { correct: false, prediction: null, answerText: null });
  });

  void it('gives no prediction when the first line is shorter than three characters', () => {
    assert.deepEqual(checkCommonsenseQa(example, 'b.\n(b).'), { correct: false, prediction: null, answerText: null });
  });

  void it('gives no prediction when <|endoftext|> comes first', () => {
    assert.deepEqual(checkCommonsenseQa(example, '<|endoftext|> the answer is blood (b).'), {
      correct: false,
      prediction: null,
      answerText: null,
    });
  });
});
