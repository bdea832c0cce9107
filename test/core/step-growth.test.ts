import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_GROWTH,
  GROWTH_RULE_FAILURES,
  growthLimitProblem,
  growthRuleOf,
  pyFloorDiv,
  pyPowInt,
  TooManyTrainingStepsError,
  totalSteps,
  ZeroTrainingStepsError,
  type GrowthSettings,
} from '../../core';
import { BadInputError } from '../../core/errors';

const steady: GrowthSettings = { ...DEFAULT_GROWTH, rule: 'steady' };
const exponential: GrowthSettings = { ...DEFAULT_GROWTH, rule: 'exponential' };
const epoch: GrowthSettings = { ...DEFAULT_GROWTH, rule: 'epoch' };
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

void describe('step growth', () => {
  // Expected values computed with CPython from the reference's expressions.
  void it('grows steadily: int(start_steps + add_steps * (i - 1))', () => {
    assert.deepEqual(
      range(7).map((i) => totalSteps(steady, i, 0)),
      [40, 60, 80, 100, 120, 140, 160],
    );
  });

  void it("grows exponentially: int(start_steps * grow_steps ** (i - 1)), the paper's 20% a round", () => {
    assert.deepEqual(
      range(29).map((i) => totalSteps(exponential, i, 0)),
      [
        40, 48, 57, 69, 82, 99, 119, 143, 171, 206, 247, 297, 356, 427, 513, 616, 739, 887, 1064, 1277, 1533, 1840, 2208, 2649, 3179, 3815,
        4579, 5494, 6593,
      ],
    );
  });

  void it('grows by epochs: int(count * epochs // (ga * sequence_count))', () => {
    const cases: Array<[number, number, number]> = [
      [80, 1, 1],
      [100, 3, 1],
      [1234, 5, 27],
      [7, 64, 1],
      [400, 2, 6],
      [5000, 16, 250],
    ];
    for (const [count, iteration, expected] of cases)
      assert.equal(totalSteps(epoch, iteration, count), expected, `count ${count}, iteration ${iteration}`);
  });

  void it('floors float products the way Python does (3 * 1.6 is 4.800000000000001)', () => {
    assert.throws(() => totalSteps({ ...epoch, gradientAccumulationSteps: 2, sequenceCount: 3 }, 4, 3), ZeroTrainingStepsError);
    assert.equal(totalSteps({ ...epoch, gradientAccumulationSteps: 2, sequenceCount: 3 }, 4, 4), 1);
  });

  void it('reports zero kept examples as ZeroTrainingStepsError instead of training for 0 steps', () => {
    assert.throws(
      () => totalSteps(epoch, 1, 0),
      (err: unknown) =>
        err instanceof ZeroTrainingStepsError && err.steps === 0 && err.rule === 'epoch' && /no examples were kept/.test(err.message),
    );
  });

  void it('reports fewer kept examples than one batch as ZeroTrainingStepsError', () => {
    assert.throws(() => totalSteps(epoch, 1, 79), /only 79 examples were kept/);
  });

  void it('reports a steady rule that gives 0 steps', () => {
    assert.throws(() => totalSteps({ ...steady, startSteps: 0, addSteps: 0 }, 3, 0), ZeroTrainingStepsError);
  });

  void it('rejects iteration 0, since iterations start at 1', () => {
    assert.throws(() => totalSteps(steady, 0, 0), /iteration 0/);
  });

  void it("picks steady over exponential over epoch, as the reference's flags do", () => {
    assert.equal(growthRuleOf({ steadyGrow: true, exponentialGrow: true }), 'steady');
    assert.equal(growthRuleOf({ steadyGrow: false, exponentialGrow: true }), 'exponential');
    assert.equal(growthRuleOf({ steadyGrow: false, exponentialGrow: false }), 'epoch');
  });
});

void describe('step growth past 2^53', () => {
  const exponential: GrowthSettings = { ...DEFAULT_GROWTH, rule: 'exponential', startSteps: 40, growSteps: 2 };

  void it('refuses an iteration that would train more than 2^53 - 1 steps, as bad input', () => {
    assert.equal(totalSteps(exponential, 48, 0), 40 * 2 ** 47);
    assert.throws(
      () => totalSteps(exponential, 49, 0),
      (err: unknown) =>
        err instanceof TooManyTrainingStepsError &&
        err instanceof BadInputError &&
        err.iteration === 49 &&
        /more than 9007199254740991/.test(err.message),
    );
    assert.throws(() => totalSteps({ ...exponential, growSteps: 1e300 }, 3, 0), TooManyTrainingStepsError);
    assert.throws(() => totalSteps({ ...DEFAULT_GROWTH, rule: 'steady', addSteps: 2 ** 53 }, 2, 0), TooManyTrainingStepsError);
  });

  void it('finds the problem up front from the first and last iteration', () => {
    assert.equal(growthLimitProblem(exponential, 48), undefined);
    assert.match(growthLimitProblem(exponential, 49) ?? '', /at iteration 49/);
    assert.match(growthLimitProblem({ ...exponential, startSteps: 2 ** 60, growSteps: 0.5 }, 10) ?? '', /at iteration 1 /);
    assert.equal(growthLimitProblem({ ...exponential, rule: 'epoch' }, 1e9), undefined);
  });
});

void describe('Python float arithmetic', () => {
  void it('floor-divides like CPython where Math.floor(x / y) differs', () => {
    assert.equal(pyFloorDiv(1, 0.1), 9);
    assert.equal(Math.floor(1 / 0.1), 10);
    assert.equal(pyFloorDiv(0.7, 0.1), 6);
    assert.equal(pyFloorDiv(-7, 2), -4);
    assert.equal(pyFloorDiv(7.5, 2), 3);
  });

  void it('raises integer powers correctly rounded', () => {
    assert.equal(pyPowInt(1.2, 0), 1);
    assert.equal(pyPowInt(2, 10), 1024);
    assert.equal(pyPowInt(1.5, 3), 3.375);
    assert.equal(pyPowInt(1.2, 5), 2.4883199999999994);
  });
  void it('lists the error names of both unusable step counts as growth-rule failures (the workflow tells a new experiment from a resume by them)', () => {
    const zero = new ZeroTrainingStepsError('epoch', 1, 0, 'no examples were kept');
    const many = new TooManyTrainingStepsError('exponential', 9, 2 ** 60, 'x');
    assert.deepEqual([...GROWTH_RULE_FAILURES].sort(), [many.name, zero.name].sort());
  });
});
