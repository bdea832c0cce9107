import type { TaskName } from './example';
import type { BaseConfig } from './base-config';
import { BadInputError } from './errors';

/**
 * Names of an experiment's files, as iteration_train.py builds them (paths relative to the reference
 * checkout; our activities map them to storage URIs).
 */
export function recordFolder(task: TaskName, experiment: string, iteration: number): string {
  return `${task}/${experiment}/${experiment}_${iteration}`;
}

/** The saved text file the generation pass of iteration i's model writes into. */
export function targetSave(task: TaskName, experiment: string, iteration: number): string {
  return `${recordFolder(task, experiment, iteration)}/${experiment}_${iteration}.txt`;
}

/** `data/{train_set}`: the index of the records iteration i trains on. */
export function trainSetName(experiment: string, iteration: number): string {
  return `${experiment}/${experiment}_${iteration}.index`;
}

/** The reference names an experiment after its command line: args joined by `_`, then only [A-Za-z0-9_] kept. */
export function experimentNameFromArgs(args: readonly string[]): string {
  return Array.from(args.join('_'))
    .filter((ch) => /[\p{L}\p{N}_]/u.test(ch))
    .join('');
}

export interface FirstConfigOptions {
  /** Needed for the default `target_save`; may be omitted when `targetSave` is given. */
  task?: TaskName;
  experiment: string;
  pRationalization: number;
  gradientAccumulationSteps: number;
  /** Overrides `target_save` (default `{task}/{exp}/{exp}_0/{exp}_0.txt`), e.g. with a storage URI. */
  targetSave?: string;
}

/** make_first_config: the base config with `target_save`, `name` `{exp}_0` and the two run settings. */
export function firstIterationConfig(base: BaseConfig, options: FirstConfigOptions): BaseConfig {
  return {
    ...base,
    target_save: options.targetSave ?? targetSave(requiredTask(options.task, options.experiment, 0), options.experiment, 0),
    name: `${options.experiment}_0`,
    p_rationalization: options.pRationalization,
    gradient_accumulation_steps: options.gradientAccumulationSteps,
  };
}

export interface IterationConfigOptions {
  /** Needed for the default `target_save`; may be omitted when `targetSave` is given. */
  task?: TaskName;
  experiment: string;
  iteration: number;
  totalSteps: number;
  pRationalization: number;
  gradientAccumulationSteps: number;
  /** Overrides `train_set` (default `{exp}/{exp}_{i}.index`), e.g. with a storage URI. */
  trainSet?: string;
  /** Overrides `target_save` (default `{task}/{exp}/{exp}_{i}/{exp}_{i}.txt`). */
  targetSave?: string;
}

export class IterationConfigError extends BadInputError {
  override readonly name = 'IterationConfigError';
}

/**
 * gen_config: iteration i's config copies the previous one (the base config for i = 1) and sets
 * `model_dir` `strangeloop/{exp}_{i}`, `train_set`, `target_save` (the next generation pass's text
 * file), `total_steps`, `name` `{exp}_{i}`, `p_rationalization`, `gradient_accumulation_steps`.
 * The trainer saves its checkpoint at `gs://{bucket}/{model_dir}/step_{total_steps}/`.
 */
export function iterationConfig(previous: BaseConfig, options: IterationConfigOptions): BaseConfig {
  const { experiment, iteration } = options;
  if (!Number.isInteger(iteration) || iteration < 1) throw new IterationConfigError(`iteration ${iteration} must be an integer >= 1`);
  if (!Number.isInteger(options.totalSteps) || options.totalSteps < 1) {
    throw new IterationConfigError(`total_steps ${options.totalSteps} of iteration ${iteration} must be a positive integer`);
  }
  const name = `${experiment}_${iteration}`;
  if (options.targetSave === undefined && options.task === undefined) {
    throw new IterationConfigError(
      `iteration ${iteration}: give the task (for target_save {task}/${experiment}/${name}/${name}.txt) or targetSave`,
    );
  }
  return {
    ...previous,
    model_dir: `strangeloop/${name}`,
    train_set: options.trainSet ?? trainSetName(experiment, iteration),
    target_save: options.targetSave ?? targetSave(options.task as TaskName, experiment, iteration),
    total_steps: options.totalSteps,
    name,
    p_rationalization: options.pRationalization,
    gradient_accumulation_steps: options.gradientAccumulationSteps,
  };
}

function requiredTask(task: TaskName | undefined, experiment: string, iteration: number): TaskName {
  if (task === undefined) {
    const name = `${experiment}_${iteration}`;
    throw new IterationConfigError(
      `iteration ${iteration}: give the task (for target_save {task}/${experiment}/${name}/${name}.txt) or targetSave`,
    );
  }
  return task;
}

/** Where the trainer saves iteration i's checkpoint (device_inference's get_ckpt_path for steps <= 10000). */
export function checkpointPath(config: Pick<BaseConfig, 'bucket' | 'model_dir' | 'total_steps'>): string {
  return `gs://${config.bucket}/${config.model_dir}/step_${config.total_steps}/`;
}
