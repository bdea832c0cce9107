/**
 * The completion stop rule: `afterAnswer` never changes what a checker decides, checked over many
 * random completions built from the pieces of each answer format (the reference's three tasks and
 * task files' answer rules), with and without the clean-up of spaces; `repeatedLines` stops loops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerSettled,
  checkArithmetic,
  checkCommonsenseQa,
  checkGsm,
  cleanUpTokenization,
  completionStopReason,
  endsInRepeatedLines,
  endsInRepeatedTail,
  mulberry32,
  type AnswerReading,
  type CheckResult,
  type Example,
} from '../../core';
import { checkWithRule, taskFileSchema, type AnswerRule } from '../../task-file';

const EOT = '<|endoftext|>';

/** Pieces every format's completions are built from: line ends, end-of-text whole and in parts, the clean-up's patterns. */
const COMMON = ['\n', '\n', '\n', '\n\n', ' ', 'x', '.', ' .', " 's", ' ?', ',', EOT, EOT, '<|', 'endoftext', '|>', '\n' + EOT, 'a'];

interface Format {
  name: string;
  reading: AnswerReading;
  pieces: string[];
  check(output: string): CheckResult;
}

const example = (answer: string, extra: Partial<Example> = {}): Example => ({
  id: 'e',
  answer,
  cls: 'c',
  hint: answer,
  question: 'q',
  ...extra,
});

const rule = (answer: Record<string, unknown>): AnswerRule =>
  taskFileSchema.parse({ name: 't', data: { train: 'a', dev: 'b' }, answer }).answer;

const choices = ['a', 'b', 'c', 'd', 'e'].map((label) => ({ label, text: label }));

function fileFormat(name: string, answer: Record<string, unknown>, stops: string[], pieces: string[], target: string): Format {
  const parsed = rule(answer);
  const ex = example(target, { choices });
  return {
    name: `task file: ${name}`,
    reading: { task: 'file', taskStops: stops },
    pieces: [...pieces, ...stops, ...stops],
    check: (output) => checkWithRule(parsed, stops, ex, output),
  };
}

const FORMATS: Format[] = [
  {
    name: 'commonsenseqa',
    reading: { task: 'commonsenseqa' },
    pieces: [' So the answer is (e).', ' So the answer is (a).', '(e)', ' (e) .', 'e).', 'A:', ' Therefore'],
    check: (output) => checkCommonsenseQa(example('e'), output),
  },
  {
    name: 'gsm',
    reading: { task: 'gsm' },
    pieces: ['#### 7', '#### 9', '####', '##', '## 7', ' 7', '7', ' 3 + 4 = 7 pens', 'Q: another', '#'],
    check: (output) => checkGsm(example('7'), output),
  },
  {
    name: 'arithmetic',
    reading: { task: 'arithmetic' },
    pieces: ['<scratch>', '</scratch>', '</scratch>\n', '8 6', '8 6\n', '0 8 6', '2 + 5 , 6 C: 1', ', 8 6 C: 0', 'Input:', '9'],
    check: (output) => checkArithmetic(example('8 6'), output),
  },
  fileFormat(
    'regex after </scratch> (addition)',
    { read: 'regex', pattern: '</scratch>\\n(.*)' },
    ['\n\n'],
    ['</scratch>', '8 6', '9'],
    '8 6',
  ),
  fileFormat('choice-letter (coin flip)', { read: 'choice-letter' }, ['\n'], ['(a)', '(b)', '(z)', ' So the answer is (b).'], 'b'),
  fileFormat('after-marker ####', { read: 'after-marker', marker: '####' }, ['\n\n'], ['#### 7', '####', '7', '9'], '7'),
  fileFormat(
    'last number, whole output saved',
    { read: 'last-number', save: 'output' },
    ['Q:', '\n\n\n'],
    ['Q', ':', '12', '1,200', '-3'],
    '12',
  ),
  // Stop strings that overlap: `bcd` completed by what follows can start before a `c` already there.
  fileFormat(
    'last regex match, overlapping stops',
    { read: 'regex', pattern: 'is (\\w+)', match: 'last' },
    ['bcd', 'c'],
    ['is b', 'b', 'd', 'is 7'],
    '7',
  ),
];

function randomCompletion(next: () => number, pieces: readonly string[]): string {
  let text = '';
  const count = 1 + Math.floor(next() * 14);
  for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

void describe('completion stop: afterAnswer', () => {
  for (const format of FORMATS) {
    void it(`never changes the ${format.name} checker's result, on any prefix where it stops`, () => {
      const next = mulberry32(7);
      const pieces = [...COMMON, ...format.pieces];
      let stopped = 0;
      let changedIfCutAnywhere = 0;
      for (let n = 0; n < 2000; n++) {
        const full = randomCompletion(next, pieces);
        for (const read of [(t: string) => t, cleanUpTokenization]) {
          const whole = format.check(read(full));
          // Every prefix, as the sampler may stop after any token: the first one where the rule
          // fires is where it stops, and every later one must agree too.
          let fired = false;
          for (let end = 0; end <= full.length; end++) {
            const cut = full.slice(0, end);
            if (!answerSettled(cut, format.reading)) {
              if (JSON.stringify(format.check(read(cut))) !== JSON.stringify(whole)) changedIfCutAnywhere++;
              continue;
            }
            if (!fired && end < full.length) stopped++;
            fired = true;
            assert.deepEqual(format.check(read(cut)), whole, `cut ${JSON.stringify(cut)} of ${JSON.stringify(full)}`);
          }
        }
      }
      // Not vacuous: the rule stops early often, and the cuts it refuses would have changed results.
      if (format.name !== 'arithmetic') assert.ok(stopped > 500, `stopped early ${stopped} times`);
      assert.ok(changedIfCutAnywhere > 500, `an unsettled cut changed the result ${changedIfCutAnywhere} times`);
    });
  }

  void it('reads commonsenseqa as settled once its first line is complete', () => {
    const reading: AnswerReading = { task: 'commonsenseqa' };
    assert.equal(answerSettled(' So the answer is (e).', reading), false);
    assert.equal(answerSettled(' So the answer is (e).\n', reading), true);
    assert.equal(answerSettled(` So the answer is (e).${EOT}`, reading), true);
  });

  void it('reads gsm as settled once a line holding #### is complete, not at a blank line', () => {
    const reading: AnswerReading = { task: 'gsm' };
    assert.equal(answerSettled(' 3 + 4 = 7\n\n', reading), false);
    assert.equal(answerSettled(' 3 + 4 = 7\n#### 7', reading), false);
    assert.equal(answerSettled(' 3 + 4 = 7\n#### 7\n', reading), true);
  });

  void it('never reads arithmetic as settled after </scratch> and the answer line, since a later end-of-text line overrules them', () => {
    const reading: AnswerReading = { task: 'arithmetic' };
    const answered = '<scratch>\n, 8 6 C: 0\n0 8 6\n</scratch>\n8 6\n';
    assert.equal(answerSettled(answered, reading), false);
    assert.equal(checkArithmetic(example('8 6'), `${answered}9\n${EOT}`).prediction, '9');
    assert.equal(answerSettled(`${answered}${EOT}\n`, reading), true);
    assert.equal(answerSettled(`${EOT}\n`, reading), false, 'an end-of-text first line answers with the last line');
  });

  void it('reads a task file as settled at its stop string only when no longer stop string can start before it', () => {
    const reading: AnswerReading = { task: 'file', taskStops: ['bcd', 'c'] };
    assert.equal(answerSettled('is 7 bc', reading), false, '"d" would make "bcd" the first stop');
    assert.equal(answerSettled('is 7 bcx', reading), true);
    assert.equal(answerSettled(`is 7${EOT}`, { task: 'file', taskStops: ['\n\n'] }), true);
  });
});

void describe('completion stop: loops', () => {
  void it('stops once the last N complete lines are one line', () => {
    assert.equal(endsInRepeatedLines('<scratch>\n2 + 5 , 6 C: 1\n2 + 5 , 6 C: 1\n', 3), false);
    assert.equal(endsInRepeatedLines('<scratch>\n2 + 5 , 6 C: 1\n2 + 5 , 6 C: 1\n2 + 5 , 6 C: 1', 3), false, 'the third is not complete');
    assert.equal(endsInRepeatedLines('<scratch>\n2 + 5 , 6 C: 1\n2 + 5 , 6 C: 1\n2 + 5 , 6 C: 1\n', 3), true);
    assert.equal(endsInRepeatedLines('a\nb\na\nb\n', 2), false);
    assert.equal(endsInRepeatedLines('a\n\n\n\n', 3), true, 'blank lines in a row are a loop too');
  });

  void it('can change a decision, which is why it is opt-in: a completion that leaves its loop and answers right is cut before the answer', () => {
    const full = ' Tom has 7.\n Tom has 7.\n Tom has 7.\n#### 7';
    const at = full.indexOf('#');
    assert.equal(completionStopReason(full.slice(0, at), { repeatedLines: 3 }), 'repeated-lines');
    assert.equal(checkGsm(example('7'), full).correct, true);
    assert.equal(checkGsm(example('7'), full.slice(0, at)).correct, false);
  });

  void it('repeatedTail stops a piece written over and over within a line, once it fills the span', () => {
    const loop = `<scratch>\n1 2 + 2 9 , C: 0\n2 + 2 , 2 C: 1\n, 1${' 2'.repeat(40)}`;
    assert.equal(endsInRepeatedTail(loop, 32), true);
    assert.equal(endsInRepeatedTail(`, 7${' 9 3 7'.repeat(12)}`, 48), true, 'a piece of six characters');
    assert.equal(endsInRepeatedTail(`, 1${' 2'.repeat(10)}`, 32), false, 'shorter than the span');
    const scratchpad = '<scratch>\n6 8 7 5 7 + 5 9 3 0 5 , C: 0\n7 + 3 , 7 C: 0\n9 + 8 , 0 7 C: 1\n, 1 0 0 0 0 0 7 C: 1\n';
    for (let end = 1; end <= scratchpad.length; end++)
      assert.equal(endsInRepeatedTail(scratchpad.slice(0, end), 32), false, scratchpad.slice(0, end));
    assert.equal(completionStopReason(loop, { repeatedTail: 32 }), 'repeated-tail');
  });

  void it('names the settled answer first when both rules hold', () => {
    const text = ' So the answer is (e).\nx\nx\nx\n';
    assert.equal(completionStopReason(text, { afterAnswer: { task: 'commonsenseqa' }, repeatedLines: 3 }), 'answer-settled');
    assert.equal(completionStopReason(text, { repeatedLines: 3 }), 'repeated-lines');
    assert.equal(completionStopReason(text, {}), undefined);
  });
});
