import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  addDecimal,
  arithmeticDirectTarget,
  arithmeticExample,
  arithmeticHint,
  arithmeticHintedContext,
  arithmeticProblems,
  arithmeticTarget,
  arithmeticTask,
  arithmeticWorkedExample,
  checkArithmetic,
  createArithmeticTask,
  scratchpadLines,
} from '../../core';
import { getTask } from '../../dataset-files';
import { REAL_DATA_DIR } from './helpers';

const WORKED = 'Input:\n2 9 + 5 7\nTarget:\n<scratch>\n2 9 + 5 7 , C: 0\n2 + 5 , 6 C: 1\n, 8 6 C: 0\n0 8 6\n</scratch>\n8 6';
const example = arithmeticExample('29', '57', 'arith-train-2d-0');

void describe('arithmetic scratchpad', () => {
  void it('writes PIPELINE.md worked example byte for byte', () => {
    assert.equal(arithmeticWorkedExample('2 9 + 5 7'), WORKED);
  });

  void it('matches the worked example as it stands in PIPELINE.md', (t) => {
    // PIPELINE.md sits two folders above the shared data splits (REAL_DATA_DIR is `…/data/star`).
    const spec = path.resolve(REAL_DATA_DIR, '../../PIPELINE.md');
    if (!existsSync(spec)) return t.skip(`${spec} not found`);
    const block = /```\n(Input:\n2 9 \+ 5 7[\s\S]*?)\n```/.exec(readFileSync(spec, 'utf8'));
    assert.ok(block, 'PIPELINE.md has the worked example block');
    assert.equal(arithmeticWorkedExample('2 9 + 5 7'), block[1]);
  });

  void it('writes the final carry in front of the sum on the last scratch line', () => {
    assert.deepEqual(scratchpadLines('99', '99'), ['9 9 + 9 9 , C: 0', '9 + 9 , 8 C: 1', ', 9 8 C: 1', '1 9 8']);
  });

  void it('writes one-digit problems with no per-digit line', () => {
    assert.deepEqual(scratchpadLines('7', '5'), ['7 + 5 , C: 0', ', 2 C: 1', '1 2']);
    assert.equal(arithmeticTarget('7 + 5'), '\n<scratch>\n7 + 5 , C: 0\n, 2 C: 1\n1 2\n</scratch>\n1 2');
  });

  void it('carries through every digit of a long sum', () => {
    const lines = scratchpadLines('95999', '04001');
    assert.equal(lines[lines.length - 1], '1 0 0 0 0 0');
    assert.equal(lines[2], '9 + 0 , 0 0 C: 1');
  });

  void it('adds decimal strings of any length', () => {
    assert.equal(addDecimal('99999999999999999999', '1'), '100000000000000000000');
    assert.equal(addDecimal('29', '57'), '86');
  });

  void it('uses the last scratch line, final carry first, as the hint', () => {
    assert.equal(arithmeticHint('2 9 + 5 7'), '0 8 6');
    assert.equal(example.hint, '0 8 6');
  });

  void it('puts the hint after "Target:" and one space', () => {
    assert.equal(arithmeticHintedContext('2 9 + 5 7'), 'Input:\n2 9 + 5 7\nTarget: 0 8 6');
    assert.equal(arithmeticTask.context(example, { hint: true }), 'Input:\n2 9 + 5 7\nTarget: 0 8 6');
  });

  void it('ends the plain context at "Target:" so the scratchpad starts on the next line', () => {
    assert.equal(arithmeticTask.context(example, { hint: false }), 'Input:\n2 9 + 5 7\nTarget:');
    assert.equal(arithmeticTask.context(example, { hint: false }) + arithmeticTarget(example.question), WORKED);
  });

  void it('rejects operands of different lengths, which the scratchpad cannot express', () => {
    assert.throws(() => arithmeticTarget('1 2 + 3'), /equal length/);
  });
});

void describe('arithmetic problem generator', () => {
  const options = { digits: [1, 2, 3, 4, 5], countPerDigit: 50, seed: 7 };

  void it('gives both operands exactly n digits and the digit count as the class', () => {
    for (const problem of arithmeticProblems(options)) {
      const [a, b] = problem.question.split(' + ').map((s) => s.replace(/ /g, '')) as [string, string];
      assert.equal(a.length, Number(problem.cls));
      assert.equal(b.length, Number(problem.cls));
      assert.notEqual(a[0], '0');
      assert.equal(problem.answer.replace(/ /g, ''), String(Number(a) + Number(b)));
    }
  });

  void it('is reproducible for a seed and differs across seeds and splits', () => {
    const questions = (o: Parameters<typeof arithmeticProblems>[0]) => arithmeticProblems(o).map((p) => p.question);
    assert.deepEqual(questions(options), questions(options));
    assert.notDeepEqual(questions(options), questions({ ...options, seed: 8 }));
    assert.notDeepEqual(questions(options), questions({ ...options, split: 'dev' }));
  });

  void it('names problems arith-{split}-{n}d-{k}, all distinct', () => {
    const problems = arithmeticProblems(options);
    assert.equal(problems[0]?.id, 'arith-train-1d-0');
    assert.equal(problems[50]?.id, 'arith-train-2d-0');
    assert.equal(new Set(problems.map((p) => p.id)).size, problems.length);
  });

  void it('does not change a digit count when others are added', () => {
    const two = arithmeticProblems({ digits: [2], countPerDigit: 20, seed: 3 });
    const more = arithmeticProblems({ digits: [1, 2, 6], countPerDigit: 20, seed: 3 }).filter((p) => p.cls === '2');
    assert.deepEqual(two, more);
  });

  void it('trains on 1 to 5 digits, 2000 each, by default, and takes out-of-distribution digits as an option', async () => {
    const train = await getTask('arithmetic').loadSplit('', 'train');
    assert.equal(train.length, 10000);
    assert.deepEqual([...new Set(train.map((p) => p.cls))], ['1', '2', '3', '4', '5']);
    const ood = await createArithmeticTask({ devDigits: [6, 8], countPerDigit: 3 }).loadSplit('', 'dev');
    assert.deepEqual(
      ood.map((p) => p.cls),
      ['6', '6', '6', '8', '8', '8'],
    );
  });

  void it('rejects a digit count that is not a positive integer', () => {
    assert.throws(() => arithmeticProblems({ digits: [0], countPerDigit: 1, seed: 0 }), /digit count 0/);
  });

  void it('has no few-shot prompt by default, as the reference', async () => {
    assert.deepEqual(await arithmeticTask.loadFewShot('', { answerKey: true, direct: false }), []);
  });

  void it('gives fewShot worked problems as the prompt, digit counts cycling through the train digits', async () => {
    const task = createArithmeticTask({ trainDigits: [1, 3], fewShot: 3, seed: 7 });
    const plain = await task.loadFewShot('', { answerKey: false, direct: false });
    assert.equal(plain.length, 3);
    const questions = plain.map((text) => (text.split('\n')[1] ?? '').trim());
    assert.deepEqual(
      questions.map((q) => q.split(' + ').map((side) => side.split(' ').length)),
      [
        [1, 1],
        [3, 3],
        [1, 1],
      ],
    );
    assert.deepEqual(
      plain,
      questions.map((q) => arithmeticWorkedExample(q)),
    );
    // The answer-key prompt: the same problems, each with its hint after Target:.
    const keyed = await task.loadFewShot('', { answerKey: true, direct: false });
    assert.deepEqual(
      keyed,
      questions.map((q) => arithmeticHintedContext(q) + arithmeticTarget(q)),
    );
    const direct = await task.loadFewShot('', { answerKey: false, direct: true });
    assert.deepEqual(
      direct,
      questions.map((q) => `Input:\n${q}\nTarget:${arithmeticDirectTarget(q)}`),
    );
  });

  void it('draws the few-shot problems apart from the train and dev problems and the same for any split size', async () => {
    const small = createArithmeticTask({ trainDigits: [2], fewShot: 2, countPerDigit: 5 });
    const large = createArithmeticTask({ trainDigits: [2], fewShot: 2, countPerDigit: 500 });
    const prompt = await small.loadFewShot('', { answerKey: false, direct: false });
    assert.deepEqual(await large.loadFewShot('', { answerKey: false, direct: false }), prompt);
    const train = await small.loadSplit('', 'train');
    assert.ok(!prompt.some((text) => text.includes(`\n${train[0]?.question ?? ''}\n`)));
    assert.notDeepEqual(
      await createArithmeticTask({ trainDigits: [2], fewShot: 2, seed: 1 }).loadFewShot('', { answerKey: false, direct: false }),
      prompt,
    );
  });
});

void describe('arithmetic answer checking', () => {
  const correctOutput = arithmeticTarget(example.question);

  void it('reads the answer from the line after </scratch>', () => {
    assert.deepEqual(checkArithmetic(example, `${correctOutput}\n\nInput:\n1 + 1`), {
      correct: true,
      prediction: '8 6',
      answerText: correctOutput,
    });
  });

  void it('judges a wrong sum incorrect', () => {
    assert.equal(checkArithmetic(example, correctOutput.replace(/8 6$/, '8 7')).correct, false);
  });

  void it('ends the output at <|endoftext|> on its own line after the answer', () => {
    assert.equal(checkArithmetic(example, `${correctOutput}\n<|endoftext|>\n9 9`).answerText, correctOutput);
  });

  void it('ends the output at <|endoftext|> in the middle of the answer line', () => {
    assert.deepEqual(checkArithmetic(example, `${correctOutput}<|endoftext|>7`), {
      correct: true,
      prediction: '8 6',
      answerText: correctOutput,
    });
  });

  void it('gives no answer when </scratch> is the last line', () => {
    assert.deepEqual(checkArithmetic(example, '\n<scratch>\n0 8 6\n</scratch>'), {
      correct: false,
      prediction: null,
      answerText: null,
    });
  });

  void it('uses the first line when there is no scratchpad', () => {
    assert.deepEqual(checkArithmetic(example, '8 6\n1 2'), { correct: true, prediction: '8 6', answerText: '8 6' });
  });

  void it('uses the second line in direct mode, since the answer starts after the context\'s "Target:"', () => {
    const output = arithmeticDirectTarget(example.question);
    assert.equal(output, '\n8 6');
    assert.deepEqual(checkArithmetic(example, `${output}\n\nInput:`, { direct: true }), {
      correct: true,
      prediction: '8 6',
      answerText: '\n8 6',
    });
    assert.equal(checkArithmetic(example, '8 6', { direct: true }).correct, true);
  });

  void it('gives no answer for an empty output', () => {
    assert.deepEqual(checkArithmetic(example, ''), { correct: false, prediction: null, answerText: null });
  });
});
