import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Example } from '../../core/example';
import { checkWithRule, taskFileSchema, type AnswerRule } from '../../task-file';

const rule = (answer: Record<string, unknown>): AnswerRule =>
  taskFileSchema.parse({ name: 't', data: { train: 'a', dev: 'b' }, answer }).answer;

const example = (answer: string, extra: Partial<Example> = {}): Example => ({
  id: 'x',
  answer,
  cls: 't',
  hint: answer,
  question: 'q',
  ...extra,
});

void describe('the answer rules of a task file', () => {
  void it('reads a regex capture group, the first or the last match', () => {
    const first = rule({ read: 'regex', pattern: 'is (\\d+)' });
    assert.deepEqual(checkWithRule(first, [], example('3'), ' 1 is 3, 2 is 4\nmore'), {
      correct: true,
      prediction: '3',
      answerText: ' 1 is 3, 2 is 4',
    });
    const last = rule({ read: 'regex', pattern: 'is (\\d+)', match: 'last' });
    assert.equal(checkWithRule(last, [], example('3'), ' 1 is 3, 2 is 4').prediction, '4');
  });

  void it('reads the last number, with thousands separators and numeric equality within a tolerance', () => {
    const numbers = rule({ read: 'last-number', numeric: true, tolerance: 0.01, thousandsSeparators: true });
    assert.deepEqual(checkWithRule(numbers, [], example('1234.5'), ' 3 boxes of 411.5 make 1,234.504 in all.'), {
      correct: true,
      prediction: '1,234.504',
      answerText: ' 3 boxes of 411.5 make 1,234.504 in all.',
    });
    assert.equal(checkWithRule(numbers, [], example('1234'), ' so 1,236').correct, false);
    assert.deepEqual(checkWithRule(numbers, [], example('1'), ' no digits here'), { correct: false, prediction: null, answerText: null });
  });

  void it("reads the last choice letter in parentheses among the example's labels", () => {
    const letter = rule({ read: 'choice-letter' });
    const choices = [
      { label: 'A', text: 'ink' },
      { label: 'B', text: 'desk' },
    ];
    const check = checkWithRule(letter, [], example('B', { choices }), ' (x) is no label; the answer is desk (b).');
    assert.deepEqual(check, { correct: true, prediction: 'b', answerText: ' (x) is no label; the answer is desk (b).' });
  });

  void it('reads the text after a marker on the first line holding it, and saves through that line', () => {
    const marker = rule({ read: 'after-marker', marker: '####' });
    assert.deepEqual(checkWithRule(marker, [], example('18'), ' 9 + 9 = 18\n#### 18 \nQ: next'), {
      correct: true,
      prediction: ' 18 ',
      answerText: ' 9 + 9 = 18\n#### 18 ',
    });
    const whole = rule({ read: 'after-marker', marker: '####', save: 'output' });
    assert.equal(checkWithRule(whole, [], example('18'), ' 9 + 9 = 18\n#### 18 \nQ: next').answerText, ' 9 + 9 = 18\n#### 18 \nQ: next');
  });

  void it('compares case-insensitively and trimmed unless told otherwise', () => {
    const marker = rule({ read: 'after-marker', marker: 'answer:' });
    assert.equal(checkWithRule(marker, [], example('Paris'), 'answer: PARIS ').correct, true);
    const exact = rule({ read: 'after-marker', marker: 'answer:', caseSensitive: true, trim: false });
    assert.equal(checkWithRule(exact, [], example('Paris'), 'answer: PARIS ').correct, false);
    assert.equal(checkWithRule(exact, [], example('Paris'), 'answer:Paris').correct, true);
  });

  void it('reads nothing past end-of-text or a stop string, as a server that stopped there would return', () => {
    const marker = rule({ read: 'after-marker', marker: '####' });
    assert.equal(checkWithRule(marker, ['\n\n'], example('18'), ' 9 + 9\n\n#### 18').prediction, null);
    assert.equal(checkWithRule(marker, [], example('18'), ' 9 + 9<|endoftext|>\n#### 18').prediction, null);
  });
});
