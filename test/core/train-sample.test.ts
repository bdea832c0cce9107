import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arithmeticProblems, iterationSeed, selectTrainExamples } from '../../core';

const examples = arithmeticProblems({ digits: [1, 2], countPerDigit: 100, seed: 0 });

void describe('train sample selection', () => {
  void it('keeps n examples, the same ones for a seed whatever the input order', () => {
    const a = selectTrainExamples(examples, 50, 9);
    const b = selectTrainExamples([...examples].reverse(), 50, 9);
    assert.equal(a.length, 50);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, selectTrainExamples(examples, 50, 10));
  });

  void it('keeps everything, shuffled, when n exceeds the split', () => {
    const all = selectTrainExamples(examples, 10_000, 1);
    assert.equal(all.length, 200);
    assert.notDeepEqual(
      all.map((e) => e.id),
      examples.map((e) => e.id),
    );
  });

  void it('gives each iteration its own seed', () => {
    assert.notEqual(iterationSeed(1, 1), iterationSeed(1, 2));
    assert.equal(iterationSeed(1, 3), iterationSeed(1, 3));
  });
});
