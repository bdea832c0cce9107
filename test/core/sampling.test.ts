/**
 * k samples per question: keyed draws, dedup, caps, rationalizing only when all fail, determinism
 * across shard splits, and the command verifier (including failing and hanging ones).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  keepDistinct,
  mergeGenerationResults,
  normalizeRationale,
  reachedPlateau,
  runGenerationPass,
  sampleSeed,
  type Example,
  type GenerationOptions,
  type GenerationResult,
  type SampleRequest,
  type Sampler,
} from '../../core';
import { runVerifierCommand, VerifierError } from '../../processes/verifier-command';
import { commonsenseQaTask } from '../../dataset-files';
import { keyedSeed } from '../../core/prng';

const examples: Example[] = Array.from({ length: 10 }, (_, i) => ({
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
const fewShot = { plain: ['PLAIN'], answerKey: ['KEY'] };
const base: GenerationOptions = {
  rationalize: false,
  pRationalization: 1,
  pShowHintSave: 0,
  direct: false,
  noPrompt: false,
  fewShotTrain: false,
  seed: 7,
};
const VERIFIERS = join(__dirname, '..', 'fixtures', 'verifiers');

/**
 * A fake model whose answer depends only on the request's seed: seed % 3 picks wrong, correct, or
 * correct with other spacing and number formatting; hinted prompts are always right.
 */
function seededModel(log: SampleRequest[][] = []): Sampler {
  return async (requests) => {
    log.push(requests);
    return requests.map(({ prompt, seed }) => {
      if (prompt.includes('(CORRECT)')) return ' Hinted: blood, 1,000 drops. So the answer is blood (b).';
      const r = seed % 3;
      if (r === 0) return ' The sky. So the answer is sky (a).';
      return r === 1
        ? ' Blood is red, 1000 drops. So the answer is blood (b).'
        : ' Blood  is red, 1,000.0 drops. So the answer is blood (b).';
    });
  };
}

const run = (options: Partial<GenerationOptions>, sample: Sampler = seededModel(), list = examples, firstIndex = 0) =>
  runGenerationPass({ task: commonsenseQaTask, examples: list, fewShot, sample, options: { ...base, ...options }, firstIndex });

void describe('k samples per question', () => {
  void it('keys sample 0 as k = 1 always did and later samples by their index', async () => {
    const log: SampleRequest[][] = [];
    await run({ samplesPerQuestion: 3 }, seededModel(log));
    assert.equal(log[0]?.length, 30);
    assert.deepEqual(
      log[0]?.slice(0, 3).map((r) => r.seed),
      [sampleSeed(7, 'q0'), keyedSeed(7, 'sample#1', 'q0'), keyedSeed(7, 'sample#2', 'q0')],
    );
    assert.equal(log[0]?.[0]?.seed, keyedSeed(7, 'sample', 'q0'));
    assert.equal(new Set(log[0]?.map((r) => r.seed)).size, 30, 'every draw has its own seed');
  });

  void it('gives with k = 1 and the defaults exactly what the options without them give', async () => {
    const plain = await run({ rationalize: true, pRationalization: 0.6 });
    const explicit = await run({
      rationalize: true,
      pRationalization: 0.6,
      samplesPerQuestion: 1,
      keepPerQuestion: 1,
      dedup: 'none',
      rationalizeOnlyIfAllFail: false,
    });
    assert.deepEqual(explicit.kept, plain.kept);
    assert.deepEqual(explicit.counts, plain.counts);
  });

  void it('counts samples, correct samples and pass@k, and keeps at most keepPerQuestion distinct rationales', async () => {
    const capped = await run({ samplesPerQuestion: 4, keepPerQuestion: 1 });
    const sampling = capped.sampling;
    assert.equal(sampling?.questions, 10);
    assert.equal(sampling?.samples, 40);
    assert.equal(capped.counts.commonsenseqa?.total, 40);
    assert.equal(sampling?.correctSamples, capped.counts.commonsenseqa?.correct);
    assert.ok((sampling?.questionsWithCorrect ?? 0) > 0 && (sampling?.questionsWithCorrect ?? 0) <= 10);
    assert.equal(capped.kept.length, sampling?.questionsWithCorrect, 'one kept per question with a correct sample');

    const none = await run({ samplesPerQuestion: 4, keepPerQuestion: 4, dedup: 'none' });
    const exact = await run({ samplesPerQuestion: 4, keepPerQuestion: 4, dedup: 'exact' });
    const normalized = await run({ samplesPerQuestion: 4, keepPerQuestion: 4, dedup: 'normalized' });
    assert.equal(none.kept.length, none.sampling?.correctSamples, 'no dedup keeps every correct sample up to the cap');
    assert.ok(exact.kept.length < none.kept.length, 'exact dedup drops repeated identical rationales');
    assert.ok(normalized.kept.length <= exact.kept.length);
    assert.equal(
      normalized.kept.length,
      normalized.sampling?.questionsWithCorrect,
      'the two correct spellings are one rationale once normalized',
    );
    assert.equal(exact.kept.length + (exact.sampling?.duplicates ?? 0), none.kept.length);
    for (const result of [none, exact, normalized]) {
      const indices = result.kept.map((k) => k.index as number);
      assert.deepEqual(
        indices,
        [...indices].sort((a, b) => a - b),
        'kept in question order',
      );
    }
  });

  void it('hints only questions whose samples all failed, or every failed sample when rationalizeOnlyIfAllFail is off', async () => {
    const onlyAll = await run({ samplesPerQuestion: 3, keepPerQuestion: 3, rationalize: true });
    const failedQuestions = 10 - (onlyAll.sampling?.questionsWithCorrect ?? 0);
    assert.equal(onlyAll.counts.commonsenseqa_r?.total ?? 0, failedQuestions);
    const each = await run({ samplesPerQuestion: 3, keepPerQuestion: 3, rationalize: true, rationalizeOnlyIfAllFail: false });
    const failedSamples = 30 - (each.sampling?.correctSamples ?? 0);
    assert.equal(each.counts.commonsenseqa_r?.total, failedSamples);
    assert.ok(failedSamples > failedQuestions, 'the fixture has questions with both right and wrong samples');
  });

  void it('keeps wrong samples too under keepAll, the control without the correctness filter, and counts them as wrong', async () => {
    const filtered = await run({});
    const all = await run({ keepAll: true });
    assert.equal(all.kept.length, 10, 'every sample has a readable answer here, so every one is kept');
    assert.ok(filtered.kept.length < all.kept.length, 'the fixture has wrong samples');
    assert.deepEqual(all.counts, filtered.counts, 'the counts still judge each sample');
    assert.ok(all.kept.some((k) => k.text.includes('So the answer is sky (a).')));
    // Too short for commonsenseqa's answer (the third-to-last character of the first line).
    const unreadable: Sampler = async (requests) => requests.map(() => 'x');
    assert.equal((await run({ keepAll: true }, unreadable)).kept.length, 0, 'an output with no answer line is still not kept');
    await assert.rejects(run({ keepAll: true, rationalize: true }), /keepAll .* set rationalize to false/);
  });

  void it('keeps the same rationales for any shard split and chunking with k > 1', async () => {
    const options = {
      samplesPerQuestion: 3,
      keepPerQuestion: 2,
      dedup: 'normalized' as const,
      rationalize: true,
      rationalizeOnlyIfAllFail: false,
    };
    const whole = await run(options);
    const parts: GenerationResult[] = [];
    for (const [from, to] of [
      [6, 10],
      [0, 3],
      [3, 6],
    ] as const)
      parts.push(await run(options, seededModel(), examples.slice(from, to), from));
    const merged = mergeGenerationResults(parts);
    assert.deepEqual(merged.kept, whole.kept);
    assert.deepEqual(merged.counts, whole.counts);
    assert.deepEqual(merged.sampling, whole.sampling);
  });

  void it('merges results from before sampling counts without inventing them', () => {
    const old: GenerationResult = { kept: [], counts: { commonsenseqa: { correct: 1, total: 2 } } };
    assert.equal(mergeGenerationResults([old]).sampling, undefined);
    assert.deepEqual(
      Object.keys(mergeGenerationResults([old])),
      ['kept', 'counts', 'failures'],
      'an old result merges to the same JSON as before',
    );
  });
});

void describe('dedup', () => {
  void it('normalizes whitespace, thousands separators and trailing decimal zeros only', () => {
    assert.equal(normalizeRationale('  a\n\tb  1,234,567 and 5.50 and 7.0 and 10 and 0.25 '), 'a b 1234567 and 5.5 and 7 and 10 and 0.25');
    assert.notEqual(normalizeRationale('12 + 3'), normalizeRationale('123'));
  });
  void it('keeps the first of duplicates, in order, up to the cap', () => {
    const texts = ['x 1', 'x  1', 'x 1', 'y', 'z'].map((text) => ({ text }));
    assert.deepEqual(
      keepDistinct(texts, 'exact', 9).kept.map((t) => t.text),
      ['x 1', 'x  1', 'y', 'z'],
    );
    assert.deepEqual(keepDistinct(texts, 'normalized', 9), { kept: [{ text: 'x 1' }, { text: 'y' }, { text: 'z' }], duplicates: 2 });
    assert.deepEqual(
      keepDistinct(texts, 'none', 2).kept.map((t) => t.text),
      ['x 1', 'x  1'],
    );
  });
});

void describe('command verifier', () => {
  const verifier =
    (script: string, timeoutSeconds = 30) =>
    (items: Parameters<typeof runVerifierCommand>[1]) =>
      runVerifierCommand([process.execPath, join(VERIFIERS, script)], items, { timeoutSeconds });

  void it('judges every sample by the program, which sees id, question, answer and output', async () => {
    const result = await runGenerationPass({
      task: commonsenseQaTask,
      examples,
      fewShot,
      sample: seededModel(),
      options: { ...base, samplesPerQuestion: 2, keepPerQuestion: 2, dedup: 'none' },
      verify: verifier('even-sample.js'),
    });
    const exact = await run({ samplesPerQuestion: 2, keepPerQuestion: 2, dedup: 'none' });
    // The program accepts only sample 0 of a right answer: at most one kept per question.
    assert.ok(result.kept.length > 0 && result.kept.length < exact.kept.length);
    assert.ok(result.kept.every((k, i, all) => all.findIndex((o) => o.exampleId === k.exampleId) === i));
    assert.equal(result.sampling?.correctSamples, result.kept.length);
  });

  void it('returns verdicts in the items’ order', async () => {
    const items = [
      { id: 'a#1', question: 'q', answer: 'B', output: 'blood' },
      { id: 'b#0', question: 'q', answer: 'B', output: 'blood' },
      { id: 'c#0', question: 'q', answer: 'B', output: 'sky' },
    ];
    assert.deepEqual(await verifier('even-sample.js')(items), [false, true, false]);
  });

  void it('fails clearly when the program exits non-zero, showing its stderr', async () => {
    await assert.rejects(verifier('fail.js')([{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }]), (err: Error) => {
      assert.ok(err instanceof VerifierError);
      assert.match(err.message, /exited with status 3/);
      assert.match(err.message, /cannot load the reward model/);
      return true;
    });
  });

  void it('kills a hanging program after the timeout and says what to do', async () => {
    await assert.rejects(verifier('hang.js', 1)([{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }]), (err: Error) => {
      assert.ok(err instanceof VerifierError);
      assert.match(err.message, /within 1 s .* killed.*verifierTimeoutSeconds/);
      return true;
    });
  });

  void it('kills the program when its step is cancelled', async () => {
    const controller = new AbortController();
    const running = runVerifierCommand(
      [process.execPath, join(VERIFIERS, 'hang.js')],
      [{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }],
      { timeoutSeconds: 600, signal: controller.signal },
    );
    controller.abort();
    await assert.rejects(running, /was stopped: the step was cancelled/);
  });

  void it('names a missing program', async () => {
    await assert.rejects(
      runVerifierCommand(['/nonexistent/verifier'], [{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }], { timeoutSeconds: 5 }),
      /was not found/,
    );
  });

  void it('refuses answers for unknown or missing ids', async () => {
    await assert.rejects(
      runVerifierCommand(
        [process.execPath, '-e', 'process.stdin.resume();process.stdin.on("end",()=>console.log(JSON.stringify({id:"zz",correct:true})))'],
        [{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }],
        { timeoutSeconds: 10 },
      ),
      /answered for id "zz"/,
    );
    await assert.rejects(
      runVerifierCommand(
        [process.execPath, '-e', 'process.stdin.resume();process.stdin.on("end",()=>{})'],
        [{ id: 'a#0', question: 'q', answer: 'B', output: 'x' }],
        { timeoutSeconds: 10 },
      ),
      /no verdict for 1 of 1 samples/,
    );
  });
});

void describe('early stop', () => {
  void it('stops after patience iterations without an improvement above minDelta', () => {
    assert.equal(reachedPlateau([0.5], { patience: 1, minDelta: 0 }), false);
    assert.equal(reachedPlateau([0.5, 0.5], { patience: 1, minDelta: 0 }), true);
    assert.equal(reachedPlateau([0.5, 0.6, 0.61], { patience: 1, minDelta: 0.02 }), true);
    assert.equal(reachedPlateau([0.5, 0.6, 0.61], { patience: 2, minDelta: 0.02 }), false);
    assert.equal(reachedPlateau([0.5, 0.6, 0.55, 0.59, 0.65], { patience: 2, minDelta: 0 }), false);
    assert.equal(reachedPlateau([0.5, 0.6, 0.55, 0.59], { patience: 2, minDelta: 0 }), true);
    assert.equal(reachedPlateau([undefined, undefined], { patience: 1, minDelta: 0 }), false);
  });
});
