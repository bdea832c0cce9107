import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalCompletion, sampleEvalCompletions, type EvalCompletion } from '../../core/eval-sample';

const completions: EvalCompletion[] = Array.from({ length: 20 }, (_, i) =>
  evalCompletion(7, { exampleId: `dev-${i}`, cls: '1', correct: i % 3 === 0, context: `Q${i}`, answer: String(i), output: ` ${i}` }),
);

void describe("the eval pass's sample of raw completions", () => {
  void it('keeps a few right and a few wrong ones, right first', () => {
    const sample = sampleEvalCompletions([completions], 2);
    assert.deepEqual(
      sample.map((c) => c.correct),
      [true, true, false, false],
    );
  });

  void it('keeps the same completions for any split into shards', () => {
    const whole = sampleEvalCompletions([completions], 3);
    const shards = [completions.slice(0, 7), completions.slice(7, 13), completions.slice(13)].map((part) =>
      sampleEvalCompletions([part], 3),
    );
    assert.deepEqual(sampleEvalCompletions(shards, 3), whole);
  });

  void it('draws its ranks from the seed, so another seed shows other completions', () => {
    const other = completions.map((c) => evalCompletion(8, c));
    assert.notDeepEqual(
      sampleEvalCompletions([other], 3).map((c) => c.exampleId),
      sampleEvalCompletions([completions], 3).map((c) => c.exampleId),
    );
  });
});
