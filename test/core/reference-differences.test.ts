/**
 * One test per entry of docs/reference-differences.md, built from the entry's minimal input. "Matched"
 * entries assert the reference's output; "kept" ones assert ours (the doc gives the reference's).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  arithmeticExample,
  checkArithmetic,
  checkGsm,
  countExamples,
  createArithmeticTask,
  DEFAULT_GROWTH,
  gpt2Tokenizer,
  runEvalPass,
  runGenerationPass,
  splitSavedText,
  totalSteps,
  ZeroTrainingStepsError,
  type Example,
  type Sampler,
  type Tokenizer,
} from '../../core';
import { createGsmTask, readIndexEntries, readRecordsIndex, writeTfRecords } from '../../datasets';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { generationPassOptions } from '../../activities/generate-shard';
import { tempDir } from './helpers';

const EOT = '<|endoftext|>';

void describe('matched: gsm answer checking', () => {
  const gsm: Example = { id: 'gsm-train-0', answer: '18', cls: 'gsm', hint: '18', question: 'Q', solution: 'x\n#### 18' };

  void it('cuts the joined lines at the first end-of-text, so 18<|endoftext|>\\n#### 99999 answers 18', () => {
    assert.deepEqual(checkGsm(gsm, `18${EOT}\n#### 99999`), { correct: true, prediction: '18', answerText: '18' });
    assert.deepEqual(checkGsm(gsm, `18${EOT}#### 99999`), { correct: true, prediction: '18', answerText: '18' });
  });

  void it('saves the text cut at the end-of-text: ...A:18<|endoftext|>', async () => {
    const sample: Sampler = async (requests) => requests.map(() => `18${EOT}\n#### 99999`);
    const { kept } = await runGenerationPass({
      task: createGsmTask(),
      examples: [gsm],
      fewShot: { plain: [], answerKey: [] },
      sample,
      options: { rationalize: false, pRationalization: 1, pShowHintSave: 0, direct: false, noPrompt: true, fewShotTrain: false, seed: 0 },
    });
    assert.deepEqual(kept.map((k) => k.text), [`Q: Q\nA:18${EOT}`]);
  });

  void it("strips with Python's str.strip() set: \\x85 and \\x1c yes, \\ufeff no", () => {
    assert.equal(checkGsm(gsm, '#### 18\x85').correct, true);
    assert.equal(checkGsm(gsm, '#### 18\x1c').correct, true);
    assert.equal(checkGsm(gsm, '#### \ufeff18').correct, false);
  });
});

void describe('matched: arithmetic answer checking', () => {
  const sum = arithmeticExample('6', '3', 'arith-train-1d-0');

  void it('answers with the line before an end-of-text line', () => {
    assert.deepEqual(checkArithmetic(sum, `\n9\n${EOT}`), { correct: true, prediction: '9', answerText: '\n9' });
  });

  void it("reads an end-of-text first line as Python's index -1: the last line, saving nothing before it", () => {
    assert.deepEqual(checkArithmetic(sum, `${EOT}\n9`), { correct: true, prediction: '9', answerText: '' });
  });

  void it('reads the line after </scratch> even when an end-of-text comes before it, saving the text cut there', () => {
    assert.deepEqual(checkArithmetic(sum, `\n9${EOT}\n</scratch>\n9`), { correct: true, prediction: '9', answerText: '\n9' });
  });

  void it('lets a later end-of-text line decide, as the reference does (the reverse case)', () => {
    const output = `\n<scratch>\n6 + 3 , C: 0\n, 9 C: 0\n0 9\n</scratch>\n9${EOT}Input:\n1 2 + 3 4\nTarget:\n${EOT}`;
    assert.deepEqual(checkArithmetic(sum, output), { correct: false, prediction: 'Target:', answerText: output.slice(0, output.indexOf(EOT)) });
  });
});

void describe('matched: records', () => {
  const written = async (texts: string[], seq: number) => {
    const dir = tempDir();
    const result = await writeTfRecords({ texts, tokenizer: gpt2Tokenizer, seq, preserveOrder: true, outputPrefixUri: path.join(dir, 'r') });
    return { result, chunks: (await readRecordsIndex(path.join(dir, 'r.index'))).map((c) => Array.from(c)) };
  };

  void it('drops a last chunk that is exactly full: 2 docs of 5 tokens at seq 9 give 0 records, 4 give 1', async () => {
    assert.equal(gpt2Tokenizer.encode('Q: a b').length + 1, 5);
    const two = await written(Array.from({ length: 2 }, () => `Q: a b${EOT}`), 9);
    assert.deepEqual([two.result.chunkCount, two.result.droppedTokens, two.chunks.length], [0, 10, 0]);
    const four = await written(Array.from({ length: 4 }, () => `Q: a b${EOT}`), 9);
    assert.deepEqual([four.result.chunkCount, four.result.droppedTokens, four.chunks.length], [1, 10, 1]);
  });

  void it('reads \\r\\n as \\n, as text mode does', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'e_0.txt'), `Q: x\r\nA: y z${EOT}`);
    const result = await writeTfRecords({ textFileUris: [path.join(dir, 'e_0.txt')], tokenizer: gpt2Tokenizer, seq: 3, preserveOrder: true, outputPrefixUri: path.join(dir, 'r') });
    const ids = (await readRecordsIndex(path.join(dir, 'r.index'))).flatMap((c) => Array.from(c));
    // 9 tokens: two chunks of 4, the last token dropped.
    assert.equal(result.tokenCount, 9);
    assert.deepEqual(ids, [48, 25, 2124, 198, 32, 25, 331, 1976]);
  });
});

void describe('matched: few_shot_train with no_prompt', () => {
  void it('keeps the leading blank line of every saved example, the first one included', async () => {
    const cqa: Example[] = ['a', 'b'].map((q) => ({ id: q, answer: 'A', cls: 'commonsenseqa', hint: 'A', question: q, choices: [{ label: 'A', text: 'x' }] }));
    const { getTask } = await import('../../datasets');
    const sample: Sampler = async (requests) => requests.map(() => ` x (a).${EOT}`);
    const { kept } = await runGenerationPass({
      task: getTask('commonsenseqa'),
      examples: cqa,
      fewShot: { plain: [], answerKey: [] },
      sample,
      options: { rationalize: false, pRationalization: 1, pShowHintSave: 0, direct: false, noPrompt: true, fewShotTrain: true, seed: 0 },
    });
    assert.ok(kept.every((k) => k.text.startsWith('\n\nQ: ')));
    const docs = splitSavedText(kept.map((k) => k.text).join('\n\n'));
    assert.deepEqual(docs, kept.map((k) => k.text.slice(0, -EOT.length)));
    assert.deepEqual(splitSavedText(`\n\nQ: a${EOT}\n\n\n\nQ: b${EOT}`), ['\n\nQ: a', '\n\nQ: b']);
  });
});

void describe('matched: index files', () => {
  void it('resolves a reference-style index against the working directory when its folder does not hold the file', async (t) => {
    const root = tempDir();
    mkdirSync(path.join(root, 'data/exp'), { recursive: true });
    mkdirSync(path.join(root, 'commonsenseqa/exp'), { recursive: true });
    const tokenizer: Tokenizer = { name: 'chars', vocabSize: 256, eotId: 0, encode: (s) => Array.from(s, (c) => c.charCodeAt(0) % 256), decode: () => '' };
    await writeTfRecords({ texts: [`ab${EOT}`, `cd${EOT}`], tokenizer, seq: 2, preserveOrder: true, outputPrefixUri: path.join(root, 'commonsenseqa/exp/exp_0') });
    const index = path.join(root, 'data/exp/exp_1.index');
    writeFileSync(index, 'commonsenseqa/exp/exp_0.tfrecords');
    const cwd = process.cwd();
    process.chdir(root);
    t.after(() => process.chdir(cwd));
    assert.deepEqual(await readIndexEntries(index), [path.join(root, 'commonsenseqa/exp/exp_0.tfrecords')]);
    assert.deepEqual((await readRecordsIndex(index)).map((c) => Array.from(c)), [[97, 98, 0]]);
    writeFileSync(index, 'commonsenseqa/exp/missing.tfrecords');
    await assert.rejects(readIndexEntries(index), /exists neither against the index's folder \(.*data\/exp\/commonsenseqa\/exp\/missing\.tfrecords\) nor against the working directory \(.*\/commonsenseqa\/exp\/missing\.tfrecords\)/);
  });
});

void describe('kept: epoch rule counting', () => {
  void it('counts two examples saved back to back as 2 (the reference: 1)', () => {
    const text = `Q: a${EOT}Q: b${EOT}`;
    assert.equal(countExamples(text), 2);
    assert.equal(text.split('\n\n').length, 1, "the reference's count, for comparison");
  });
});

void describe('kept: eval of the last partial batch', () => {
  void it('evaluates all 9 dev examples (the reference: 8, one full batch)', async () => {
    const dev = Array.from({ length: 9 }, (_, k) => arithmeticExample(String(k + 1), '1', `arith-dev-1d-${k}`));
    const counts = await runEvalPass({ task: createArithmeticTask(), examples: dev, fewShot: [], sample: async (r) => r.map(() => '\n0'), options: { direct: false, noPrompt: false, seed: 0 } });
    assert.equal(Object.values(counts).reduce((sum, c) => sum + c.total, 0), 9);
  });
});

void describe('kept: direct', () => {
  void it('passes direct to the generation pass and reads the second line (the reference: rationale mode, wrong)', () => {
    const options = parseExperimentInput({ experiment: 'x', task: 'arithmetic', direct: true });
    assert.ok(options.ok);
    assert.equal(generationPassOptions(options.options, 1).direct, true);
    const sum = arithmeticExample('6', '3', 'arith-train-1d-0');
    assert.equal(checkArithmetic(sum, '\n9', { direct: true }).correct, true);
    assert.equal(checkArithmetic(sum, '\n9', { direct: false }).correct, false);
  });
});

void describe('kept: arithmetic dev split', () => {
  void it('generates dev problems of their own, none empty (the reference evaluates the train files)', async () => {
    const task = createArithmeticTask({ trainDigits: [1], devDigits: [1], countPerDigit: 3, seed: 0 });
    const dev = await task.loadSplit('', 'dev');
    const train = await task.loadSplit('', 'train');
    assert.deepEqual(dev.map((e) => e.id), ['arith-dev-1d-0', 'arith-dev-1d-1', 'arith-dev-1d-2']);
    assert.ok(dev.every((e) => e.question !== '' && e.answer !== ''));
    assert.notDeepEqual(dev.map((e) => e.question), train.map((e) => e.question));
  });
});

void describe('kept: steps and model folders', () => {
  void it('refuses fewer than 1 step (the reference trains 0)', () => {
    assert.throws(() => totalSteps({ ...DEFAULT_GROWTH, rule: 'steady', startSteps: 0.5, addSteps: 0 }, 1, 0), ZeroTrainingStepsError);
  });

  void it('rejects both growth rules at once (the reference lets steady win)', () => {
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', steadyGrow: true, exponentialGrow: true });
    assert.ok(!result.ok);
    assert.match(result.message, /choose one growth rule/);
  });

  void it('nests model_dir under the experiment (the reference: strangeloop/e_1)', () => {
    assert.equal(iterationLayout('runs', 'e', 1).modelDir, 'runs/e/models/e_1');
  });
});

void describe('kept: gsm hint', () => {
  const gsm: Example = { id: 'gsm-train-0', answer: '7', cls: 'gsm', hint: '7', question: 'Q', solution: '3 + 4 = <<3+4=7>>7\n#### 7' };

  void it('shows the final number by default and the whole solution with gsmHint "solution"', () => {
    assert.equal(createGsmTask().context(gsm, { hint: true }), 'Q: Q (7)\nA:');
    assert.equal(createGsmTask({ hint: 'answer' }).context(gsm, { hint: true }), 'Q: Q (7)\nA:');
    assert.equal(createGsmTask({ hint: 'solution' }).context(gsm, { hint: true }), 'Q: Q (3 + 4 = <<3+4=7>>7\n#### 7)\nA:');
    assert.equal(createGsmTask({ hint: 'solution' }).context(gsm, { hint: false }), 'Q: Q\nA:');
  });

  void it('takes gsmHint in the input, "answer" by default, and names the choices when it is wrong', () => {
    const parsed = (gsmHint?: string) => parseExperimentInput({ experiment: 'x', task: 'gsm', datasetDir: '/d', ...(gsmHint ? { gsmHint } : {}) });
    const byDefault = parsed();
    assert.ok(byDefault.ok && byDefault.options.gsmHint === 'answer');
    const solution = parsed('solution');
    assert.ok(solution.ok && solution.options.gsmHint === 'solution');
    const wrong = parsed('final');
    assert.ok(!wrong.ok);
    assert.equal(wrong.problems[0]?.field, 'gsmHint');
    assert.match(wrong.message, /answer.*solution/);
  });
});

void describe('kept: shuffles', () => {
  void it('shuffles with the seeded generator: a..e, chunks of 2, seed 10 give e a d b (Python: b c a d)', async () => {
    const dir = tempDir();
    const tokenizer: Tokenizer = {
      name: 'chars',
      vocabSize: 256,
      eotId: 0,
      encode: (s) => Array.from(s, (c) => c.charCodeAt(0) % 256),
      decode: (ids) => Array.from(ids, (id) => (id === 0 ? '' : String.fromCharCode(id))).join(''),
    };
    writeFileSync(path.join(dir, 'e_0.txt'), ['a', 'b', 'c', 'd', 'e'].map((x) => `${x}${EOT}`).join(''));
    await writeTfRecords({ textFileUris: [path.join(dir, 'e_0.txt')], tokenizer, seq: 1, seed: 10, outputPrefixUri: path.join(dir, 'r') });
    const order = (await readRecordsIndex(path.join(dir, 'r.index'))).map((c) => tokenizer.decode(Array.from(c)));
    assert.deepEqual(order, ['e', 'a', 'd', 'b']);
  });
});
