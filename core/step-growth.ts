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

/** The growth options of an experiment input, under the reference's names (camelCase). */
export interface GrowthOptions {
  steadyGrow: boolean;
  exponentialGrow: boolean;
  startSteps: number;
  addSteps: number;
  growSteps: number;
  baseEpochs: number;
  addEpochs: number;
  gradientAccumulationSteps: number;
  sequenceCount: number;
}

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
export class ZeroTrainingStepsError extends Error {
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
 * total_steps of iteration `iteration` (1-based), with the reference's float arithmetic:
 * - steady: `int(start_steps + add_steps * (i - 1))`
 * - exponential: `int(start_steps * grow_steps ** (i - 1))`
 * - epoch: `int(count * epochs // (ga * sequence_count))`, `epochs = base_epochs + add_epochs * (i - 1)`,
 *   `count` = kept examples (including any copied by copy_n).
 * Throws `ZeroTrainingStepsError` when the result is below 1.
 */
export function totalSteps(settings: GrowthSettings, iteration: number, keptCount: number): number {
  if (!Number.isInteger(iteration) || iteration < 1) throw new RangeError(`iteration ${iteration} must be an integer >= 1`);
  const k = iteration - 1;
  switch (settings.rule) {
    case 'steady': {
      const steps = pyInt(settings.startSteps + settings.addSteps * k);
      if (steps < 1) throw new ZeroTrainingStepsError('steady', iteration, steps, `start_steps ${settings.startSteps} + add_steps ${settings.addSteps} * ${k}`);
      return steps;
    }
    case 'exponential': {
      const steps = pyInt(settings.startSteps * pyPowInt(settings.growSteps, k));
      if (steps < 1) throw new ZeroTrainingStepsError('exponential', iteration, steps, `start_steps ${settings.startSteps} * grow_steps ${settings.growSteps} ** ${k}`);
      return steps;
    }
    case 'epoch': {
      if (!Number.isInteger(keptCount) || keptCount < 0) throw new RangeError(`kept example count ${keptCount} must be a non-negative integer`);
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
