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
  cleanUpTokenization,
  countExamples,
  createArithmeticTask,
  DEFAULT_GROWTH,
  gpt2Tokenizer,
  joinSavedExamples,
  keepLastTokens,
  promptTokenLimit,
  runEvalPass,
  runEvalPassKeeping,
  runGenerationPass,
  splitPromptFile,
  splitSavedText,
  totalSteps,
  ZeroTrainingStepsError,
  type Example,
  type GenerationOptions,
  type SampleRequest,
  type Sampler,
  type Tokenizer,
} from '../../core';
import { createGsmTask, getTask, readIndexEntries, readRecordsIndex, writeTfRecords } from '../../dataset-files';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import { generationPassOptions } from '../../activities/generate-shard';
import { REAL_DATA_DIR, realDataSkip, tempDir } from './helpers';
import { cutPrompt } from '../../activities/shard-sampler';
import { logLine } from '../../activities/record-metrics';
import { cutAtStop, taskStopStrings } from '../../inference/stop-strings';

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
    assert.deepEqual(
      kept.map((k) => k.text),
      [`Q: Q\nA:18${EOT}`],
    );
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
    assert.deepEqual(checkArithmetic(sum, output), {
      correct: false,
      prediction: 'Target:',
      answerText: output.slice(0, output.indexOf(EOT)),
    });
  });
});

void describe('matched: records', () => {
  const written = async (texts: string[], seq: number) => {
    const dir = tempDir();
    const result = await writeTfRecords({
      texts,
      tokenizer: gpt2Tokenizer,
      seq,
      preserveOrder: true,
      outputPrefixUri: path.join(dir, 'r'),
    });
    return { result, chunks: (await readRecordsIndex(path.join(dir, 'r.index'))).map((c) => Array.from(c)) };
  };

  void it('drops a last chunk that is exactly full: 2 docs of 5 tokens at seq 9 give 0 records, 4 give 1', async () => {
    assert.equal(gpt2Tokenizer.encode('Q: a b').length + 1, 5);
    const two = await written(
      Array.from({ length: 2 }, () => `Q: a b${EOT}`),
      9,
    );
    assert.deepEqual([two.result.chunkCount, two.result.droppedTokens, two.chunks.length], [0, 10, 0]);
    const four = await written(
      Array.from({ length: 4 }, () => `Q: a b${EOT}`),
      9,
    );
    assert.deepEqual([four.result.chunkCount, four.result.droppedTokens, four.chunks.length], [1, 10, 1]);
  });

  void it('reads \\r\\n as \\n, as text mode does', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'e_0.txt'), `Q: x\r\nA: y z${EOT}`);
    const result = await writeTfRecords({
      textFileUris: [path.join(dir, 'e_0.txt')],
      tokenizer: gpt2Tokenizer,
      seq: 3,
      preserveOrder: true,
      outputPrefixUri: path.join(dir, 'r'),
    });
    const ids = (await readRecordsIndex(path.join(dir, 'r.index'))).flatMap((c) => Array.from(c));
    // 9 tokens: two chunks of 4, the last token dropped.
    assert.equal(result.tokenCount, 9);
    assert.deepEqual(ids, [48, 25, 2124, 198, 32, 25, 331, 1976]);
  });
});

void describe('matched: few_shot_train with no_prompt', () => {
  void it('keeps the leading blank line of every saved example, the first one included', async () => {
    const cqa: Example[] = ['a', 'b'].map((q) => ({
      id: q,
      answer: 'A',
      cls: 'commonsenseqa',
      hint: 'A',
      question: q,
      choices: [{ label: 'A', text: 'x' }],
    }));
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
    assert.deepEqual(
      docs,
      kept.map((k) => k.text.slice(0, -EOT.length)),
    );
    assert.deepEqual(splitSavedText(`\n\nQ: a${EOT}\n\n\n\nQ: b${EOT}`), ['\n\nQ: a', '\n\nQ: b']);
  });
});

void describe('matched: index files', () => {
  void it('resolves a reference-style index against the working directory when its folder does not hold the file', async (t) => {
    const root = tempDir();
    mkdirSync(path.join(root, 'data/exp'), { recursive: true });
    mkdirSync(path.join(root, 'commonsenseqa/exp'), { recursive: true });
    const tokenizer: Tokenizer = {
      name: 'chars',
      vocabSize: 256,
      eotId: 0,
      encode: (s) => Array.from(s, (c) => c.charCodeAt(0) % 256),
      decode: () => '',
    };
    await writeTfRecords({
      texts: [`ab${EOT}`, `cd${EOT}`],
      tokenizer,
      seq: 2,
      preserveOrder: true,
      outputPrefixUri: path.join(root, 'commonsenseqa/exp/exp_0'),
    });
    const index = path.join(root, 'data/exp/exp_1.index');
    writeFileSync(index, 'commonsenseqa/exp/exp_0.tfrecords');
    const cwd = process.cwd();
    process.chdir(root);
    t.after(() => process.chdir(cwd));
    assert.deepEqual(await readIndexEntries(index), [path.join(root, 'commonsenseqa/exp/exp_0.tfrecords')]);
    assert.deepEqual(
      (await readRecordsIndex(index)).map((c) => Array.from(c)),
      [[97, 98, 0]],
    );
    writeFileSync(index, 'commonsenseqa/exp/missing.tfrecords');
    await assert.rejects(
      readIndexEntries(index),
      /exists neither against the index's folder \(.*data\/exp\/commonsenseqa\/exp\/missing\.tfrecords\) nor against the working directory \(.*\/commonsenseqa\/exp\/missing\.tfrecords\)/,
    );
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
    const counts = await runEvalPass({
      task: createArithmeticTask(),
      examples: dev,
      fewShot: [],
      sample: async (r) => r.map(() => '\n0'),
      options: { direct: false, noPrompt: false, seed: 0 },
    });
    assert.equal(
      Object.values(counts).reduce((sum, c) => sum + c.total, 0),
      9,
    );
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
    assert.deepEqual(
      dev.map((e) => e.id),
      ['arith-dev-1d-0', 'arith-dev-1d-1', 'arith-dev-1d-2'],
    );
    assert.ok(dev.every((e) => e.question !== '' && e.answer !== ''));
    assert.notDeepEqual(
      dev.map((e) => e.question),
      train.map((e) => e.question),
    );
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
    const parsed = (gsmHint?: string) =>
      parseExperimentInput({ experiment: 'x', task: 'gsm', datasetDir: '/d', ...(gsmHint ? { gsmHint } : {}) });
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

void describe('matched: GPT-2 pre-tokenisation whitespace', () => {
  void it("splits U+0085 as whitespace and U+FEFF as not, as GPT2TokenizerFast's pattern does", () => {
    assert.deepEqual(gpt2Tokenizer.encode('a \x85b'), [64, 220, 126, 227, 65]);
    assert.deepEqual(gpt2Tokenizer.encode('x \ufeffy'), [87, 27332, 119, 123, 88]);
  });
});

void describe('matched: decoding cleans up spaces before punctuation', () => {
  const cqa: Example = { id: 'cqa-0', answer: 'E', cls: 'commonsenseqa', hint: 'E', question: 'q', choices: [{ label: 'E', text: 'x' }] };
  const ids = [1406, 262, 3280, 318, 357, 68, 8, 764];

  void it("reads ids ending ' (e) .' as the reference's decode does: ' So the answer is (e).', answer e", async () => {
    assert.equal(gpt2Tokenizer.decode(ids), ' So the answer is (e) .');
    assert.equal(cleanUpTokenization(gpt2Tokenizer.decode(ids)), ' So the answer is (e).');
    const sample: Sampler = async (requests) => requests.map(() => gpt2Tokenizer.decode(ids));
    const counts = await runEvalPass({
      task: getTask('commonsenseqa'),
      examples: [cqa],
      fewShot: [],
      sample,
      options: { direct: false, noPrompt: true, seed: 0 },
    });
    assert.deepEqual(counts.commonsenseqa, { correct: 1, total: 1 });
  });

  void it('saves the cleaned gsm rationale: " The cost is.5 dollars.\\n####.5"', async () => {
    const gsm: Example = { id: 'gsm-train-0', answer: '.5', cls: 'gsm', hint: '.5', question: 'Q', solution: 'x\n#### .5' };
    const sample: Sampler = async (requests) => requests.map(() => ` The cost is .5 dollars .\n#### .5${EOT}`);
    const { kept } = await runGenerationPass({
      task: createGsmTask(),
      examples: [gsm],
      fewShot: { plain: [], answerKey: [] },
      sample,
      options: { rationalize: false, pRationalization: 1, pShowHintSave: 0, direct: false, noPrompt: true, fewShotTrain: false, seed: 0 },
    });
    assert.deepEqual(
      kept.map((k) => k.text),
      [`Q: Q\nA: The cost is.5 dollars.\n####.5${EOT}`],
    );
  });

  void it("replaces transformers' ten patterns in its order, and nothing else", () => {
    assert.equal(
      cleanUpTokenization("a . b ? c ! d , e ' f do n't I 'm it 's we 've they 're ( g ) : h"),
      "a. b? c! d, e'f don't I'm it's we've they're ( g ) : h",
    );
    assert.equal(cleanUpTokenization('  .'), ' .', 'one pass, as str.replace');
  });

  void it('can be turned off (cleanUpTokenizationSpaces: false) for a tokenizer that never cleaned up', async () => {
    const sample: Sampler = async (requests) => requests.map(() => gpt2Tokenizer.decode(ids));
    const counts = await runEvalPass({
      task: getTask('commonsenseqa'),
      examples: [cqa],
      fewShot: [],
      sample,
      options: { direct: false, noPrompt: true, seed: 0, cleanUpTokenizationSpaces: false },
    });
    assert.deepEqual(counts.commonsenseqa, { correct: 0, total: 1 });
  });
});

void describe('matched: the clean-up reaches arithmetic scratchpads too', () => {
  void it("saves ' , C:' as ', C:' (what the reference's records hold), the answer line unchanged", async () => {
    const problem = arithmeticExample('29', '57', 'arith-train-2d-0');
    const scratch = '\n<scratch>\n2 9 + 5 7 , C: 0\n2 + 5 , 6 C: 1\n, 8 6 C: 0\n0 8 6\n</scratch>\n8 6';
    const { kept, counts } = await runGenerationPass({
      task: createArithmeticTask(),
      examples: [problem],
      fewShot: { plain: [], answerKey: [] },
      sample: async (requests) => requests.map(() => `${scratch}${EOT}`),
      options: { rationalize: false, pRationalization: 1, pShowHintSave: 0, direct: false, noPrompt: false, fewShotTrain: false, seed: 0 },
    });
    assert.deepEqual(counts, { '2': { correct: 1, total: 1 } });
    assert.deepEqual(
      kept.map((k) => k.text),
      [`Input:\n2 9 + 5 7\nTarget:\n<scratch>\n2 9 + 5 7, C: 0\n2 + 5, 6 C: 1\n, 8 6 C: 0\n0 8 6\n</scratch>\n8 6${EOT}`],
    );
  });
});

void describe('matched: the no-prompt context length', () => {
  const sum = arithmeticExample('6', '3', 'arith-train-1d-0');
  const requestsOf = async (options: GenerationOptions) => {
    const seen: SampleRequest[] = [];
    const sample: Sampler = async (requests) => {
      seen.push(...requests);
      return requests.map(() => '\n0');
    };
    await runGenerationPass({ task: createArithmeticTask(), examples: [sum], fewShot: { plain: [], answerKey: [] }, sample, options });
    return seen;
  };

  void it('cuts generation input from iteration 2 on, plain and hinted, and eval input to 128 + gen_length tokens', async () => {
    const options = parseExperimentInput({ experiment: 'x', task: 'arithmetic', noPrompt: true, rationalize: true, genLength: 96 });
    assert.ok(options.ok);
    assert.deepEqual(
      (await requestsOf(generationPassOptions(options.options, 1))).map((r) => r.maxPromptTokens),
      [undefined, undefined],
    );
    assert.deepEqual(
      (await requestsOf(generationPassOptions(options.options, 2))).map((r) => r.maxPromptTokens),
      [224, 224],
    );
    const seen: SampleRequest[] = [];
    await runEvalPass({
      task: createArithmeticTask(),
      examples: [sum],
      fewShot: [],
      sample: async (r) => (seen.push(...r), r.map(() => '\n9')),
      options: { direct: false, noPrompt: true, seed: 0, maxPromptTokens: promptTokenLimit(true, 96) },
    });
    assert.deepEqual(
      seen.map((r) => r.maxPromptTokens),
      [224],
    );
    assert.equal(promptTokenLimit(false, 96), undefined);
  });

  void it('sends a server the text of the last GPT-2 tokens: a cut one token in drops "Q" and keeps ": …"', () => {
    const context = `Q:${' a'.repeat(223)}\nA:`;
    const total = gpt2Tokenizer.encode(context).length;
    assert.equal(cutPrompt({ prompt: context, seed: 1, maxPromptTokens: total - 1 }).prompt, context.slice(1));
    assert.deepEqual(cutPrompt({ prompt: context, seed: 1, maxPromptTokens: total }), { prompt: context, seed: 1 });
    assert.equal(keepLastTokens(context, gpt2Tokenizer, total - 1), context.slice(1));
  });

  void it(
    'gsm train row 798, hinted with the whole solution, starts ": Patsy is gearing" as the reference\'s input does',
    { skip: realDataSkip },
    async () => {
      const examples = await createGsmTask({ hint: 'solution' }).loadSplit(REAL_DATA_DIR, 'train');
      const row = examples[798] as Example;
      const context = createGsmTask({ hint: 'solution' }).context(row, { hint: true });
      assert.ok(context.startsWith('Q: Patsy is gearing'));
      assert.ok(cutPrompt({ prompt: context, seed: 0, maxPromptTokens: 224 }).prompt.startsWith(': Patsy is gearing'));
    },
  );
});

void describe('matched: CRLF prompt files', () => {
  void it('splits a \\r\\n prompt file into its prompts, as text mode reads it', () => {
    assert.deepEqual(splitPromptFile('Q: a\r\nA: b\r\n\r\nQ: c\r\nA: d'), ['Q: a\nA: b', 'Q: c\nA: d']);
    const seven = Array.from({ length: 7 }, (_, i) => `Q: ${i}\r\nA: ${i}`).join('\r\n\r\n');
    assert.equal(splitPromptFile(seven).length, 7);
  });
});

void describe('matched: new_dev.txt', () => {
  void it('keeps the correct dev examples as context + answer + end-of-text, in example order', async () => {
    const dev = ['6', '7', '8'].map((a, k) => arithmeticExample(a, '1', `arith-dev-1d-${k}`));
    const answers = ['\n7', '\n0', '\n9'];
    const result = await runEvalPassKeeping({
      task: createArithmeticTask(),
      examples: dev,
      fewShot: [],
      sample: async (requests) => requests.map((_, i) => `${answers[i]}\n${EOT}`),
      options: { direct: false, noPrompt: true, seed: 0 },
    });
    assert.deepEqual(result.counts, { '1': { correct: 2, total: 3 } });
    assert.deepEqual(result.correct, [`Input:\n6 + 1\nTarget:\n7${EOT}`, `Input:\n8 + 1\nTarget:\n9${EOT}`]);
  });
});

void describe('kept: where a completion stops', () => {
  const gsm: Example = { id: 'gsm-train-0', answer: '18', cls: 'gsm', hint: '18', question: 'Q', solution: 'x\n#### 18' };

  void it('judges a gsm output cut at a blank line or an end-of-text wrong, which the whole output is not', () => {
    const blank = ' a\n\nb\n#### 18';
    assert.equal(checkGsm(gsm, blank).correct, true);
    assert.deepEqual(cutAtStop(blank, taskStopStrings('gsm')), { text: ' a', stopped: true });
    assert.equal(checkGsm(gsm, cutAtStop(blank, taskStopStrings('gsm')).text).correct, false);
    // The embedded sampler returns the text up to and including its first end-of-text.
    assert.equal(checkGsm(gsm, `18${EOT}`).correct, false);
  });

  void it('judges an arithmetic output cut at a blank line before its answer wrong, which the whole output is not', () => {
    const sum = arithmeticExample('6', '3', 'arith-train-1d-0');
    const output = `\n\n9\n${EOT}`;
    assert.equal(checkArithmetic(sum, output).correct, true);
    assert.equal(checkArithmetic(sum, cutAtStop(output, taskStopStrings('arithmetic')).text).correct, false);
  });

  void it('never changes a commonsenseqa decision: cutting at a newline or end-of-text commutes with reading the first line', () => {
    const cqa: Example = { id: 'c', answer: 'E', cls: 'commonsenseqa', hint: 'E', question: 'q', choices: [{ label: 'E', text: 'x' }] };
    for (const output of [' So (e) .\nQ: (a).', ` So (e) .${EOT}x (a).`, ` (a)${EOT}\n (e).`, ' x (e).\n\n']) {
      const cut = cutAtStop(output, taskStopStrings('commonsenseqa')).text;
      assert.deepEqual(
        getTask('commonsenseqa').check(cqa, cleanUpTokenization(cut)),
        getTask('commonsenseqa').check(cqa, cleanUpTokenization(output)),
      );
    }
  });
});

void describe('kept: config number formatting', () => {
  void it('writes 1e-06 as 0.000001 and 1.0 as 1, values a JSON reader reads the same', () => {
    const text = JSON.stringify({ lr: 1e-6, p_rationalization: 1.0 });
    assert.equal(text, '{"lr":0.000001,"p_rationalization":1}');
    assert.deepEqual(JSON.parse(text), JSON.parse('{"lr": 1e-06, "p_rationalization": 1.0}'));
  });
});

void describe('kept: record length', () => {
  void it('cuts records at the config seq + 1: 2,049 tokens at seq 2048 (the reference: always 1,537)', async () => {
    const dir = tempDir();
    const texts = Array.from({ length: 3 }, () => `${' a'.repeat(2100)}${EOT}`);
    await writeTfRecords({ texts, tokenizer: gpt2Tokenizer, seq: 2048, preserveOrder: true, outputPrefixUri: path.join(dir, 'r') });
    const chunks = await readRecordsIndex(path.join(dir, 'r.index'));
    assert.deepEqual(
      chunks.map((c) => c.length),
      [2049, 2049, 2049],
    );
  });
});

void describe('kept: order of rationalized examples', () => {
  void it("saves a rationalization at its question's place (the reference: after the plain batches it waited for)", async () => {
    // Problems 11 + 10 .. 26 + 10; the plain pass gets every second one (k even) wrong, the hinted retry right.
    const examples = Array.from({ length: 16 }, (_, k) => arithmeticExample(String(11 + k), '10', `arith-train-${k}`));
    const sample: Sampler = async (requests) =>
      requests.map((r) => {
        const a = Number(/Input:\n(\d) (\d) \+/.exec(r.prompt)?.slice(1, 3).join(''));
        const right = r.prompt.includes('Target: ') || (a - 11) % 2 === 1;
        return `\n${
          right
            ? String(a + 10)
                .split('')
                .join(' ')
            : 'x'
        }\n${EOT}`;
      });
    const { kept } = await runGenerationPass({
      task: createArithmeticTask(),
      examples,
      fewShot: { plain: [], answerKey: [] },
      sample,
      options: { rationalize: true, pRationalization: 1, pShowHintSave: 0, direct: false, noPrompt: false, fewShotTrain: false, seed: 0 },
    });
    assert.deepEqual(
      kept.map((k) => k.exampleId),
      examples.map((e) => e.id),
    );
    assert.deepEqual(
      kept.map((k) => k.rationalized),
      examples.map((_, k) => k % 2 === 0),
    );
  });
});

void describe('kept: the result log', () => {
  void it('writes one line per iteration with counts (the reference: its scripts\' output, "dev, cqa, 0.5")', () => {
    const line = logLine({
      iteration: 1,
      attempted: 4,
      kept: 2,
      rationalized: 1,
      trainExamples: 2,
      totalSteps: 40,
      checkpointUri: 'runs/e/models/e_1/step_40',
      accuracy: { commonsenseqa: { correct: 1, total: 2, accuracy: 0.5 } },
      overallAccuracy: 0.5,
      seconds: {},
    });
    assert.match(line, /^iteration 1: .*accuracy: cqa=50\.0% \(1\/2\) /);
  });
});

void describe('kept: the blank line between saved examples', () => {
  void it("is dropped by our records step; the reference's converter keeps it as two tokens of each later example", () => {
    const text = joinSavedExamples([`Q: a${EOT}`, `Q: b${EOT}`]);
    assert.equal(text, `Q: a${EOT}\n\nQ: b${EOT}`);
    assert.deepEqual(splitSavedText(text), ['Q: a', 'Q: b']);
    const referenceDocs = text.split(EOT).filter((d) => d.length > 0);
    assert.deepEqual(referenceDocs, ['Q: a', '\n\nQ: b']);
    assert.deepEqual(gpt2Tokenizer.encode(referenceDocs[1] as string), [198, 198, 48, 25, 275]);
  });
});
