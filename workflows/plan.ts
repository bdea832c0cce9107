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
  /** Iterations the experiment runs (1 .. nIters-1); `iterations` may list only the first of them. */
  iterationCount: number;
  iterations: PlannedIteration[];
}

/**
 * Iterations a dry run's result lists: the reference's default run (64) in full. Longer plans are
 * counted, not listed, so the result stays far under Temporal's 2 MB payload limit (64 iterations
 * of 2,000 shards are about 60 kB); `star plan` lists them all.
 */
export const DRY_RUN_LISTED_ITERATIONS = 64;

/** The plan of iterations 1 .. min(nIters-1, `listed`); each is computed on its own, so a short listing of a long run is cheap. */
export function planExperiment(options: ExperimentOptions, listed = Number.POSITIVE_INFINITY): ExperimentPlan {
  const root = options.storageRoot;
  const exp = options.experiment;
  const iterationCount = Math.max(0, options.nIters - 1);
  const iterations: PlannedIteration[] = [];
  for (let i = 1; i <= Math.min(iterationCount, listed); i += 1) iterations.push(planIteration(options, i));
  const baseEval = options.baseEval ? { checkpoint: options.baseModelLocation, metrics: iterationLayout(root, exp, 0).metrics } : undefined;
  return { experiment: exp, storageRoot: root, rule: ruleOf(options), ...(baseEval ? { baseEval } : {}), iterationCount, iterations };
}

/** What iteration `i` runs and writes. */
export function planIteration(options: ExperimentOptions, i: number): PlannedIteration {
  const it = iterationLayout(options.storageRoot, options.experiment, i);
  return {
    iteration: i,
    generateWith: i === 1 ? options.baseModelLocation : plannedCheckpoint(options, i - 1),
    generateShards: {
      count: options.shards,
      uris: it.generateShard(0, options.shards).replace(/shard-0-of-(\d+)\.json$/, 'shard-{k}-of-$1.json'),
    },
    keptText: it.keptText,
    recordsIndex: it.index,
    config: it.config,
    totalSteps: growthSteps(options, i),
    trainFrom: options.baseModelLocation,
    checkpoint: plannedCheckpoint(options, i),
    eval: !options.skipEval,
    copyN: options.copyN,
  };
}

function plannedCheckpoint(options: ExperimentOptions, i: number): string {
  const modelDir = iterationLayout(options.storageRoot, options.experiment, i).modelDir;
  const steps = growthSteps(options, i);
  return typeof steps === 'number' ? checkpointUri(modelDir, steps) : `${modelDir}/step_{total_steps}`;
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
