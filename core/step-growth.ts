import { BadInputError } from './errors';
import { pyFloorDiv, pyInt, pyPowInt } from './python-float';

export type GrowthRule = 'steady' | 'exponential' | 'epoch';

export interface GrowthSettings {
  rule: GrowthRule;
  /** steady/exponential: steps of iteration 1 (reference default 40). */
  startSteps: number;
  /** steady: steps added per iteration (default 20). */
  addSteps: number;
  /** exponential: growth factor per iteration (default 1.2). */
  growSteps: number;
  /** epoch: epochs of iteration 1 (default 1.0). */
  baseEpochs: number;
  /** epoch: epochs added per iteration (default 0.2). */
  addEpochs: number;
  gradientAccumulationSteps: number;
  /** epoch: average sequences per batch (default 10). */
  sequenceCount: number;
}

export const DEFAULT_GROWTH: GrowthSettings = {
  rule: 'epoch',
  startSteps: 40,
  addSteps: 20,
  growSteps: 1.2,
  baseEpochs: 1,
  addEpochs: 0.2,
  gradientAccumulationSteps: 8,
  sequenceCount: 10,
};

/** The reference's flags map to one rule: steady_grow wins, then exponential_grow, else epoch. */
export function growthRuleOf(flags: { steadyGrow: boolean; exponentialGrow: boolean }): GrowthRule {
  if (flags.steadyGrow) return 'steady';
  if (flags.exponentialGrow) return 'exponential';
  return 'epoch';
}

/** The growth options of an experiment input, under the reference's names (camelCase): the rule as two flags. */
export type GrowthOptions = Omit<GrowthSettings, 'rule'> & { steadyGrow: boolean; exponentialGrow: boolean };

/** The growth settings of an experiment input. */
export function growthSettings(options: GrowthOptions): GrowthSettings {
  return {
    rule: growthRuleOf(options),
    startSteps: options.startSteps,
    addSteps: options.addSteps,
    growSteps: options.growSteps,
    baseEpochs: options.baseEpochs,
    addEpochs: options.addEpochs,
    gradientAccumulationSteps: options.gradientAccumulationSteps,
    sequenceCount: options.sequenceCount,
  };
}

/**
 * Thrown when a growth rule gives fewer than one training step (the epoch rule does when too few
 * examples were kept). The reference would go on and "train" for 0 steps; we stop and say why.
 */
export class ZeroTrainingStepsError extends BadInputError {
  override readonly name = 'ZeroTrainingStepsError';
  constructor(
    readonly rule: GrowthRule,
    readonly iteration: number,
    readonly steps: number,
    detail: string,
  ) {
    super(`iteration ${iteration}: the ${rule} growth rule gives ${steps} training steps (${detail}); nothing would be trained`);
  }
}

/**
 * The most steps one iteration may train: 2^53 - 1. Past it a step count is no longer an exact
 * integer in a double (the trainer's step counter could not even reach it), so such a rule is refused.
 */
export const MAX_TRAINING_STEPS = Number.MAX_SAFE_INTEGER;

/** Thrown when a growth rule gives more than `MAX_TRAINING_STEPS` steps. */
export class TooManyTrainingStepsError extends BadInputError {
  override name = 'TooManyTrainingStepsError';
  constructor(
    readonly rule: GrowthRule,
    readonly iteration: number,
    readonly steps: number,
    detail: string,
  ) {
    super(
      `iteration ${iteration}: the ${rule} growth rule gives ${steps} training steps (${detail}), more than ${MAX_TRAINING_STEPS} (2^53 - 1), ` +
        'past which a step count loses integer precision; lower startSteps, addSteps or growSteps, or nIters',
    );
  }
}

/**
 * Why the steady or exponential rule cannot run iterations 1..`lastIteration` (one of them would train
 * more than `MAX_TRAINING_STEPS` steps), or undefined. Both rules are monotonic, so the two ends
 * decide; float powers keep this instant for any nIters (`totalSteps` still checks each iteration exactly).
 */
export function growthLimitProblem(
  settings: Pick<GrowthSettings, 'rule' | 'startSteps' | 'addSteps' | 'growSteps'>,
  lastIteration: number,
): string | undefined {
  if (settings.rule === 'epoch' || lastIteration < 1) return undefined;
  for (const iteration of [1, lastIteration]) {
    const k = iteration - 1;
    const steps = settings.rule === 'steady' ? settings.startSteps + settings.addSteps * k : settings.startSteps * settings.growSteps ** k;
    if (!(steps <= MAX_TRAINING_STEPS)) {
      const formula =
        settings.rule === 'steady'
          ? `startSteps ${settings.startSteps} + addSteps ${settings.addSteps} * ${k}`
          : `startSteps ${settings.startSteps} * growSteps ${settings.growSteps} ** ${k}`;
      return `the ${settings.rule} growth rule gives ${steps} training steps at iteration ${iteration} (${formula}), more than 2^53 - 1 = ${MAX_TRAINING_STEPS}; lower startSteps, ${settings.rule === 'steady' ? 'addSteps' : 'growSteps'} or nIters`;
    }
  }
  return undefined;
}

/**
 * total_steps of iteration `iteration` (1-based), with the reference's float arithmetic:
 * - steady: `int(start_steps + add_steps * (i - 1))`
 * - exponential: `int(start_steps * grow_steps ** (i - 1))`
 * - epoch: `int(count * epochs // (ga * sequence_count))`, `epochs = base_epochs + add_epochs * (i - 1)`,
 *   `count` = kept examples (including any copied by copy_n).
 * Throws `ZeroTrainingStepsError` when the result is below 1, `TooManyTrainingStepsError` above 2^53 - 1.
 */
export function totalSteps(settings: GrowthSettings, iteration: number, keptCount: number): number {
  if (!Number.isInteger(iteration) || iteration < 1) throw new RangeError(`iteration ${iteration} must be an integer >= 1`);
  const k = iteration - 1;
  switch (settings.rule) {
    case 'steady': {
      const steps = pyInt(settings.startSteps + settings.addSteps * k);
      const detail = `start_steps ${settings.startSteps} + add_steps ${settings.addSteps} * ${k}`;
      if (steps < 1) throw new ZeroTrainingStepsError('steady', iteration, steps, detail);
      if (steps > MAX_TRAINING_STEPS) throw new TooManyTrainingStepsError('steady', iteration, steps, detail);
      return steps;
    }
    case 'exponential': {
      const detail = `start_steps ${settings.startSteps} * grow_steps ${settings.growSteps} ** ${k}`;
      const product = settings.startSteps * pyPowInt(settings.growSteps, k);
      if (!Number.isFinite(product)) throw new TooManyTrainingStepsError('exponential', iteration, product, detail);
      const steps = pyInt(product);
      if (steps < 1) throw new ZeroTrainingStepsError('exponential', iteration, steps, detail);
      if (steps > MAX_TRAINING_STEPS) throw new TooManyTrainingStepsError('exponential', iteration, steps, detail);
      return steps;
    }
    case 'epoch': {
      if (!Number.isInteger(keptCount) || keptCount < 0)
        throw new RangeError(`kept example count ${keptCount} must be a non-negative integer`);
      const epochs = settings.baseEpochs + settings.addEpochs * k;
      const batch = settings.gradientAccumulationSteps * settings.sequenceCount;
      const steps = pyInt(pyFloorDiv(keptCount * epochs, batch));
      if (steps < 1) {
        const hint = keptCount === 0 ? 'no examples were kept' : `only ${keptCount} examples were kept, fewer than one batch`;
        throw new ZeroTrainingStepsError(
          'epoch',
          iteration,
          steps,
          `${hint}: ${keptCount} examples * ${epochs} epochs // (gradient_accumulation_steps ${settings.gradientAccumulationSteps} * sequence_count ${settings.sequenceCount}); keep more examples (n_train_samples, rationalize) or use steady/exponential growth`,
        );
      }
      return steps;
    }
    default:
      throw new RangeError(`unknown growth rule ${String(settings.rule)}: use steady, exponential or epoch`);
  }
}

/**
 * The failure types (error names) of a growth rule that cannot give a usable step count: they follow
 * from the experiment's options, so resuming the same run fails the same way (workflows/iteration.ts
 * says to start a new experiment instead).
 */
export const GROWTH_RULE_FAILURES: readonly string[] = ['ZeroTrainingStepsError', 'TooManyTrainingStepsError'];
