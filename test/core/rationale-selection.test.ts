import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arithmeticExample,
  arithmeticTarget,
  arithmeticTask,
  countExamples,
  joinSavedExamples,
  mergeGenerationResults,
  runEvalPass,
  runGenerationPass,
  sampleSeed,
  totalSteps,
  DEFAULT_GROWTH,
  ZeroTrainingStepsError,
  type Example,
  type GenerationOptions,
  type SampleRequest,
  type Sampler,
} from '../../core';
import { commonsenseQaTask } from '../../dataset-files';

const examples: Example[] = Array.from({ length: 12 }, (_, i) => ({
  id: `q${i}`,
  answer: 'B',
  cls: 'commonsenseqa',
  hint: 'B',
  question: `What is red #${i}?`,
  choices: [
    { label: 'A', text: 'sky' },
    { label: 'B', text: 'blood' },
  ],
}));
const fewShot = { plain: ['PLAIN PROMPT 1', 'PLAIN PROMPT 2'], answerKey: ['KEY PROMPT 1', 'KEY PROMPT 2'] };
const base: GenerationOptions = {
  rationalize: false,
  pRationalization: 1,
  pShowHintSave: 0,
  direct: false,
  noPrompt: false,
  fewShotTrain: false,
  seed: 1,
};

/** A fake model: knows the even-numbered questions, and always follows a (CORRECT) hint. */
function fakeModel(log: SampleRequest[][] = []): Sampler {
  return async (requests, onProgress) => {
    log.push(requests);
    const outputs = requests.map((request) => {
      const number = Number(/#(\d+)\?/.exec(request.prompt)?.[1]);
      const hinted = request.prompt.includes('(CORRECT)');
      return hinted || number % 2 === 0
        ? ' Blood is red. So the answer is blood (b).\nQ: more<|endoftext|>'
        : ' The sky. So the answer is sky (a).';
    });
    onProgress?.(requests.length);
    return outputs;
  };
}

const context = (i: number, hint = false) => commonsenseQaTask.context(examples[i] as Example, { hint });
const ANSWER = ' Blood is red. So the answer is blood (b).';

void describe('generation pass', () => {
  void it('keeps correct outputs as context + answer line + <|endoftext|>, and counts every attempt', async () => {
    const log: SampleRequest[][] = [];
    const result = await runGenerationPass({ task: commonsenseQaTask, examples, fewShot, sample: fakeModel(log), options: base });
    assert.equal(log.length, 1);
    assert.equal(log[0]?.[0]?.prompt, `PLAIN PROMPT 1\n\nPLAIN PROMPT 2\n\n${context(0)}`);
    assert.deepEqual(result.counts, { commonsenseqa: { correct: 6, total: 12 } });
    assert.deepEqual(
      result.kept.map((k) => k.exampleId),
      ['q0', 'q2', 'q4', 'q6', 'q8', 'q10'],
    );
    assert.deepEqual(result.kept[0], { exampleId: 'q0', index: 0, text: `${context(0)}${ANSWER}<|endoftext|>`, rationalized: false });
  });

  void it('retries failures with the hinted context and the answer-key prompt, counting them under _r', async () => {
    const log: SampleRequest[][] = [];
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(log),
      options: { ...base, rationalize: true },
    });
    assert.equal(log.length, 2);
    assert.equal(log[1]?.length, 6);
    assert.equal(log[1]?.[0]?.prompt, `KEY PROMPT 1\n\nKEY PROMPT 2\n\n${context(1, true)}`);
    assert.deepEqual(result.counts, { commonsenseqa: { correct: 6, total: 12 }, commonsenseqa_r: { correct: 6, total: 6 } });
    assert.deepEqual(
      result.kept.map((k) => [k.exampleId, k.rationalized]),
      examples.map((e, i) => [e.id, i % 2 === 1]),
    );
  });

  void it('saves rationalizations without the hint', async () => {
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true },
    });
    const rationalized = result.kept.filter((k) => k.rationalized);
    assert.ok(rationalized.length > 0);
    for (const kept of rationalized) assert.ok(!kept.text.includes('(CORRECT)'), kept.text);
    assert.equal(rationalized[0]?.text, `${context(1)}${ANSWER}<|endoftext|>`);
  });

  void it('saves the hint with probability p_show_hint_save', async () => {
    const all = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, pShowHintSave: 1 },
    });
    assert.equal(all.kept.find((k) => k.rationalized)?.text, `${context(1, true)}${ANSWER}<|endoftext|>`);
    const some = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, pShowHintSave: 0.5 },
    });
    const shown = some.kept.filter((k) => k.text.includes('(CORRECT)')).length;
    assert.ok(shown > 0 && shown < 6, `expected some but not all of 6 hints shown, got ${shown}`);
    assert.ok(some.kept.filter((k) => !k.rationalized).every((k) => !k.text.includes('(CORRECT)')));
  });

  void it('retries only a keyed share p_rationalization of the failures', async () => {
    const none = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, pRationalization: 0 },
    });
    assert.equal(none.counts.commonsenseqa_r, undefined);
    const half = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, pRationalization: 0.5 },
    });
    const retried = half.counts.commonsenseqa_r?.total ?? 0;
    assert.ok(retried > 0 && retried < 6, `expected some of 6 failures retried, got ${retried}`);
  });

  void it('keeps the plain few-shot prompt inside saved examples under few_shot_train', async () => {
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, fewShotTrain: true },
    });
    assert.equal(result.kept[1]?.text, `PLAIN PROMPT 1\n\nPLAIN PROMPT 2\n\n${context(1)}${ANSWER}<|endoftext|>`);
  });

  void it('sends the bare context under no_prompt', async () => {
    const log: SampleRequest[][] = [];
    await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(log),
      options: { ...base, rationalize: true, noPrompt: true },
    });
    assert.equal(log[0]?.[0]?.prompt, context(0));
    assert.equal(log[1]?.[0]?.prompt, context(1, true));
  });

  void it('derives each sampling seed from (seed, example id) alone', async () => {
    const log: SampleRequest[][] = [];
    await runGenerationPass({ task: commonsenseQaTask, examples: [...examples].reverse(), fewShot, sample: fakeModel(log), options: base });
    assert.equal(log[0]?.[11]?.seed, sampleSeed(1, 'q0'));
    assert.notEqual(sampleSeed(1, 'q0'), sampleSeed(2, 'q0'));
    assert.notEqual(sampleSeed(1, 'q0'), sampleSeed(1, 'q0', true));
  });

  void it('keeps the identical set whether run whole or in shards, in the original order', async () => {
    const options = { ...base, rationalize: true, pRationalization: 0.5, pShowHintSave: 0.5, seed: 42 };
    const whole = await runGenerationPass({ task: commonsenseQaTask, examples, fewShot, sample: fakeModel(), options });
    const cuts = [0, 5, 7, 12];
    const parts = await Promise.all(
      cuts.slice(0, -1).map((start, s) =>
        runGenerationPass({
          task: commonsenseQaTask,
          examples: examples.slice(start, cuts[s + 1]),
          firstIndex: start,
          fewShot,
          sample: fakeModel(),
          options,
        }),
      ),
    );
    assert.deepEqual(mergeGenerationResults(parts.reverse()), whole);
    const byOrder = mergeGenerationResults(
      parts,
      examples.map((e) => e.id),
    );
    assert.deepEqual(byOrder.kept, whole.kept);
  });

  void it('saves a keyed sample of the failures with what the model wrote, leaving the kept set alone', async () => {
    const plain = await runGenerationPass({ task: commonsenseQaTask, examples, fewShot, sample: fakeModel(), options: base });
    assert.deepEqual(plain.failures?.map((f) => f.exampleId).sort(), ['q1', 'q11', 'q3', 'q5', 'q7', 'q9']);
    const failure = plain.failures?.find((f) => f.exampleId === 'q1');
    assert.deepEqual(failure && { context: failure.context, answer: failure.answer, output: failure.output }, {
      context: context(1),
      answer: 'B',
      output: ' The sky. So the answer is sky (a).',
    });
    const ranks = plain.failures?.map((f) => f.rank) ?? [];
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
      'lowest keyed ranks first',
    );

    // A hinted success is kept, not a failure; the kept set is what it was without the sample.
    const rationalized = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true },
    });
    assert.deepEqual(rationalized.failures, []);
    assert.equal(rationalized.kept.length, 12);
    assert.equal(rationalized.kept.find((k) => k.rationalized)?.hint, 'B', 'a kept rationalization carries its hint');

    const many = Array.from({ length: 40 }, (_, i) => ({
      ...(examples[1] as Example),
      id: `f${i}`,
      question: `What is red #${2 * i + 1}?`,
    }));
    const capped = await runGenerationPass({ task: commonsenseQaTask, examples: many, fewShot, sample: fakeModel(), options: base });
    assert.equal(capped.failures?.length, 8, 'a small sample, not every failure');
  });

  void it('passes direct mode to the answer checker', async () => {
    const problem = arithmeticExample('29', '57', 'a1');
    const direct: Sampler = async (requests) => requests.map(() => '\n8 6\n\nInput:');
    const result = await runGenerationPass({
      task: arithmeticTask,
      examples: [problem],
      fewShot: { plain: [], answerKey: [] },
      sample: direct,
      options: { ...base, direct: true },
    });
    assert.deepEqual(
      result.kept.map((k) => k.text),
      ['Input:\n2 9 + 5 7\nTarget:\n8 6<|endoftext|>'],
    );
  });

  void it('keeps arithmetic scratchpads up to the answer line', async () => {
    const problem = arithmeticExample('29', '57', 'a1');
    const scratch: Sampler = async (requests) => requests.map(() => `${arithmeticTarget(problem.question)}\n\nInput:\n1 + 2`);
    const result = await runGenerationPass({
      task: arithmeticTask,
      examples: [problem],
      fewShot: { plain: [], answerKey: [] },
      sample: scratch,
      options: { ...base, cleanUpTokenizationSpaces: false },
    });
    assert.equal(result.kept[0]?.text, `Input:\n2 9 + 5 7\nTarget:${arithmeticTarget(problem.question)}<|endoftext|>`);
    assert.deepEqual(result.counts, { '2': { correct: 1, total: 1 } });
  });

  void it('refuses few_shot_train for arithmetic, as the reference does', async () => {
    await assert.rejects(
      runGenerationPass({
        task: arithmeticTask,
        examples: [],
        fewShot: { plain: [], answerKey: [] },
        sample: fakeModel(),
        options: { ...base, fewShotTrain: true },
      }),
      /few_shot_train is not supported for arithmetic/,
    );
  });

  void it('rejects duplicate example ids, which would share random draws', async () => {
    await assert.rejects(
      runGenerationPass({
        task: commonsenseQaTask,
        examples: [examples[0] as Example, examples[0] as Example],
        fewShot,
        sample: fakeModel(),
        options: base,
      }),
      /q0 appears twice/,
    );
  });

  void it('rejects a probability outside [0, 1]', async () => {
    await assert.rejects(
      runGenerationPass({ task: commonsenseQaTask, examples, fewShot, sample: fakeModel(), options: { ...base, pShowHintSave: 1.5 } }),
      /pShowHintSave is 1.5/,
    );
  });

  void it('rejects a sampler that returns the wrong number of continuations', async () => {
    const short: Sampler = async () => [];
    await assert.rejects(
      runGenerationPass({ task: commonsenseQaTask, examples, fewShot, sample: short, options: base }),
      /returned 0 continuations for 12 prompts/,
    );
  });

  void it('reports progress across both passes', async () => {
    const seen: number[] = [];
    await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true },
      onProgress: (done) => seen.push(done),
    });
    assert.deepEqual(seen, [12, 18]);
  });

  void it('keeps nothing when every answer is wrong, and the epoch rule then refuses to train', async () => {
    const wrong: Sampler = async (requests) => requests.map(() => '');
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: wrong,
      options: { ...base, rationalize: true },
    });
    assert.equal(result.kept.length, 0);
    assert.deepEqual(result.counts, { commonsenseqa: { correct: 0, total: 12 }, commonsenseqa_r: { correct: 0, total: 12 } });
    const text = joinSavedExamples(result.kept.map((k) => k.text));
    assert.equal(countExamples(text), 0);
    assert.throws(() => totalSteps(DEFAULT_GROWTH, 1, countExamples(text)), ZeroTrainingStepsError);
  });

  void it('saves kept examples joined by blank lines, counted one per example', async () => {
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: fakeModel(),
      options: { ...base, rationalize: true, fewShotTrain: true },
    });
    const text = joinSavedExamples(result.kept.map((k) => k.text));
    assert.ok(text.includes('<|endoftext|>\n\nPLAIN PROMPT 1'));
    assert.equal(countExamples(text), 12);
  });
});

void describe('eval pass', () => {
  void it('counts accuracy per class with the plain prompt and no hints', async () => {
    const log: SampleRequest[][] = [];
    const counts = await runEvalPass({
      task: commonsenseQaTask,
      examples,
      fewShot: fewShot.plain,
      sample: fakeModel(log),
      options: { direct: false, noPrompt: false, seed: 3 },
    });
    assert.deepEqual(counts, { commonsenseqa: { correct: 6, total: 12 } });
    assert.equal(log.length, 1);
    assert.ok(log[0]?.every((r) => !r.prompt.includes('(CORRECT)') && r.prompt.startsWith('PLAIN PROMPT 1')));
  });
});
