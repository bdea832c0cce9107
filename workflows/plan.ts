/**
 * The dry run: what each iteration would run and write, computed without running anything (the
 * reference's `--dry_run` prints each step's command). Pure, so `star plan` can call it too.
 */
import { growthRuleOf, growthSettings, totalSteps } from '../core/step-growth';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { checkpointUri, iterationLayout } from '../contracts/layout';

export interface PlannedIteration {
  iteration: number;
  /** The model that generates: the base model for iteration 1, else the previous iteration's. */
  generateWith: string;
  /** Generation shards: their count and their files, `{k}` standing for 0 .. count-1 (a list of 1,000s would outgrow Temporal's 2 MB payload limit). */
  generateShards: { count: number; uris: string };
  keptText: string;
  recordsIndex: string;
  config: string;
  /** total_steps: a number for the steady and exponential rules; the epoch rule needs the kept count. */
  totalSteps: number | string;
  /** The model trained (always from the base model). */
  trainFrom: string;
  checkpoint: string;
  eval: boolean;
  copyN: number;
}

export interface ExperimentPlan {
  experiment: string;
  storageRoot: string;
  rule: 'steady' | 'exponential' | 'epoch';
  /** baseEval: the base model's dev eval before iteration 1 and where its row goes. */
  baseEval?: { checkpoint: string; metrics: string };
  iterations: PlannedIteration[];
}

export function planExperiment(options: ExperimentOptions): ExperimentPlan {
  const root = options.storageRoot;
  const exp = options.experiment;
  const iterations: PlannedIteration[] = [];
  let generateWith = options.baseModelLocation;
  for (let i = 1; i < options.nIters; i += 1) {
    const it = iterationLayout(root, exp, i);
    const steps = growthSteps(options, i);
    const checkpoint = typeof steps === 'number' ? checkpointUri(it.modelDir, steps) : `${it.modelDir}/step_{total_steps}`;
    iterations.push({
      iteration: i,
      generateWith,
      generateShards: { count: options.shards, uris: it.generateShard(0, options.shards).replace(/shard-0-of-(\d+)\.json$/, 'shard-{k}-of-$1.json') },
      keptText: it.keptText,
      recordsIndex: it.index,
      config: it.config,
      totalSteps: steps,
      trainFrom: options.baseModelLocation,
      checkpoint,
      eval: !options.skipEval,
      copyN: options.copyN,
    });
    generateWith = checkpoint;
  }
  const baseEval = options.baseEval ? { checkpoint: options.baseModelLocation, metrics: iterationLayout(root, exp, 0).metrics } : undefined;
  return { experiment: exp, storageRoot: root, rule: ruleOf(options), ...(baseEval ? { baseEval } : {}), iterations };
}

export function ruleOf(options: ExperimentOptions): ExperimentPlan['rule'] {
  return growthRuleOf(options);
}

/** Steps of the steady and exponential rules; the epoch rule's formula, since it needs the kept count. */
function growthSteps(options: ExperimentOptions, iteration: number): number | string {
  const settings = growthSettings(options);
  if (settings.rule === 'epoch') {
    const epochs = options.baseEpochs + options.addEpochs * (iteration - 1);
    return `int(kept * ${epochs} // ${options.gradientAccumulationSteps * options.sequenceCount})`;
  }
  try {
    return totalSteps(settings, iteration, 0);
  } catch (err) {
    // A plan shows the problem rather than failing: the run itself refuses to train 0 steps.
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}
