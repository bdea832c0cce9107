/**
 * Which examples a pass sees, and which of them a shard takes. The selection depends only on the
 * seed, the iteration and the dataset, never on the shard count; shards take contiguous slices of it,
 * so merging the shards' kept examples by position gives the same list for any K.
 */
import type { Example, Split, Task } from '../core/example';
import { keyedSeed, seededShuffle } from '../core/prng';
import { createArithmeticTask } from '../core/tasks';
import { createGsmTask, getTask } from '../dataset-files';
import { iterationSeed, selectTrainExamples } from '../core/train-sample';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { SelectionCache } from './selection-cache';
import { loadTaskFile } from '../task-file/load';

/** The task of an experiment: a task file's, read with everything it names, or a built-in's (`taskFor`). */
export async function loadTaskFor(options: ExperimentOptions, split: Split): Promise<Task> {
  if (options.task !== 'file') return taskFor(options, split);
  if (!options.taskFile) throw new Error('task "file" without taskFile: the input check should have refused this input');
  return (await loadTaskFile(options.taskFile)).task;
}

/** The task, with arithmetic's generated splits and gsm's hint configured from the input. */
export function taskFor(options: ExperimentOptions, split: Split): Task {
  // An input recorded before gsmHint existed has none: the default, `answer`.
  if (options.task === 'gsm') return createGsmTask({ hint: options.gsmHint ?? 'answer' });
  if (options.task !== 'arithmetic') return getTask(options.task);
  const a = options.arithmetic;
  return createArithmeticTask({
    trainDigits: a.trainDigits,
    devDigits: [...new Set([...a.devDigits, ...a.oodDigits])].sort((x, y) => x - y),
    countPerDigit: split === 'train' ? a.trainPerDigit : a.devPerDigit,
    seed: options.seed,
    // An input recorded before arithmetic.fewShot existed has none: no prompt, as before.
    fewShot: a.fewShot ?? 0,
  });
}

/**
 * The arithmetic settings as a shard's manifest key holds them: `fewShot` only when it is set, so the
 * keys of runs made before it existed (and of runs without a prompt) stay the same.
 */
export function arithmeticKey(options: ExperimentOptions): object | undefined {
  if (options.task !== 'arithmetic') return undefined;
  const { fewShot, ...rest } = options.arithmetic;
  return fewShot ? options.arithmetic : rest;
}

/**
 * Train: core's selection of nTrainSamples examples, drawn afresh every iteration (the reference
 * shuffles the train set on each generation run). Dev: the whole dev split, or a seeded subset of
 * nDevSamples (the same subset every iteration, so accuracies compare).
 */
export function selectExamples(options: ExperimentOptions, split: Split, iteration: number, all: readonly Example[]): Example[] {
  if (split === 'train') return selectTrainExamples(all, options.nTrainSamples, iterationSeed(options.seed, iteration));
  if (options.nDevSamples === undefined || options.nDevSamples >= all.length) return [...all];
  return seededShuffle(all, keyedSeed(options.seed, 'dev-sample', 'all')).slice(0, options.nDevSamples);
}

/** Shard k of K: the contiguous slice [floor(k n / K), floor((k+1) n / K)). */
export function shardSlice<T>(items: readonly T[], shard: number, shards: number): { items: T[]; firstIndex: number } {
  const start = Math.floor((shard * items.length) / shards);
  const end = Math.floor(((shard + 1) * items.length) / shards);
  return { items: items.slice(start, end), firstIndex: start };
}

export interface ShardExamples {
  task: Task;
  examples: Example[];
  firstIndex: number;
  /** Examples of the whole pass (all shards). */
  passSize: number;
}

export async function shardExamples(
  options: ExperimentOptions,
  datasetDir: string,
  split: Split,
  iteration: number,
  shard: number,
  shards: number,
  cache?: SelectionCache,
): Promise<ShardExamples> {
  const task = await loadTaskFor(options, split);
  const build = async () => selectExamples(options, split, iteration, await task.loadSplit(datasetDir, split));
  const selected = cache && options.task === 'arithmetic' ? await cache.get(selectionKey(options, split, iteration), build) : await build();
  const { items, firstIndex } = shardSlice(selected, shard, shards);
  return { task, examples: items, firstIndex, passSize: selected.length };
}

/** What a generated selection depends on: the options that make the split and choose from it. */
function selectionKey(options: ExperimentOptions, split: Split, iteration: number): string {
  const { task, seed, arithmetic, nTrainSamples, nDevSamples } = options;
  return JSON.stringify(
    split === 'train' ? { split, iteration, task, seed, arithmetic, nTrainSamples } : { split, task, seed, arithmetic, nDevSamples },
  );
}
