import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGsm, gsmFinalAnswer, type Example } from '../../core';
import { gsmTask } from '../../dataset-files';
import { FIXTURE_DATA_DIR } from './helpers';

const example: Example = {
  id: 'gsm-train-0',
  answer: '7',
  cls: 'gsm',
  hint: '7',
  question: 'Tom has 3 pens and buys 4 more. How many pens does he have?',
  solution: 'Tom has 3 + 4 = <<3+4=7>>7 pens.\n#### 7',
};

void describe('gsm task', () => {
  void it('loads a split and names examples by split and row, since GSM8K has no ids', async () => {
    const train = await gsmTask.loadSplit(FIXTURE_DATA_DIR, 'train');
    assert.deepEqual(
      train.map((e) => e.id),
      ['gsm-train-0', 'gsm-train-1'],
    );
    assert.deepEqual(train[0], example);
    assert.equal((await gsmTask.loadSplit(FIXTURE_DATA_DIR, 'dev'))[0]?.id, 'gsm-dev-0');
  });

  void it('takes the target from after the last "#### " of the solution', () => {
    assert.equal(gsmFinalAnswer('a #### b\n#### 1,000'), '1,000');
  });

  void it('builds the context Q: {question}\\nA:', () => {
    assert.equal(gsmTask.context(example, { hint: false }), 'Q: Tom has 3 pens and buys 4 more. How many pens does he have?\nA:');
  });

  void it('shows only the final number as the hint, after the question', () => {
    assert.equal(gsmTask.context(example, { hint: true }), 'Q: Tom has 3 pens and buys 4 more. How many pens does he have? (7)\nA:');
  });

  void it('keeps the lines up to and including the first #### line', () => {
    const result = checkGsm(example, ' Tom has 3 + 4 = 7 pens.\n#### 7\n\nQ: another question\n#### 9');
    assert.deepEqual(result, { correct: true, prediction: '7', answerText: ' Tom has 3 + 4 = 7 pens.\n#### 7' });
  });

  void it('predicts the trimmed text after the last #### on the answer line', () => {
    const result = checkGsm(example, ' x #### 3 ####  7  ');
    assert.equal(result.prediction, '7');
    assert.equal(result.correct, true);
  });

  void it('judges a wrong final number incorrect', () => {
    assert.equal(checkGsm(example, ' 3 + 5 = 8\n#### 8').correct, false);
  });

  void it('gives no answer when no line contains ####', () => {
    assert.deepEqual(checkGsm(example, ' Tom has seven pens. The answer is 7.'), { correct: false, prediction: null, answerText: null });
  });

  void it('gives no answer for an empty output', () => {
    assert.deepEqual(checkGsm(example, ''), { correct: false, prediction: null, answerText: null });
  });

  void it('finds a #### line after <|endoftext|> but reads only the text before it, as the reference does', () => {
    assert.deepEqual(checkGsm(example, ' 3 + 4 = 7<|endoftext|>\n#### 7'), {
      correct: false,
      prediction: '3 + 4 = 7',
      answerText: ' 3 + 4 = 7',
    });
  });

  void it('ends the answer at <|endoftext|> in the middle of the #### line', () => {
    assert.deepEqual(checkGsm(example, ' 3 + 4 = 7\n#### 7<|endoftext|>0'), {
      correct: true,
      prediction: '7',
      answerText: ' 3 + 4 = 7\n#### 7',
    });
  });
});
