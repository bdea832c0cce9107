/**
 * Where an experiment's files live, under `{root}/{experiment}/`, in the reference's layout
 * (`iteration_train.py`): the record folder of the model that generated it, the index file per
 * iteration, the config per iteration, the model directory per iteration. Pure string functions, so
 * the workflow decides every URI and activities only write where they are told.
 *
 * Iteration i generates with model i-1 into record folder `{exp}_{i-1}` (the reference's
 * `target_save` of the previous config), trains `{exp}_{i}` from `{exp}/{exp}_{i}.index`.
 */
import { joinUri as join } from './uri';

export interface ExperimentLayout {
  /** `{root}/{exp}` */
  dir: string;
  /** The resolved input, written once. */
  inputJson: string;
  /** The base trainer config, copied in as the reference's `configs/{exp}/base.json`. */
  baseConfig: string;
  /** Generated arithmetic problems (when the task has no dataset folder). */
  datasetDir: string;
  /** Per-iteration metrics rows (`metrics/{exp}_{i}.json`). */
  metricsDir: string;
  /** The reference's `result_logs/{exp}.txt`: one line per finished iteration. */
  resultLog: string;
}

export function experimentLayout(root: string, exp: string): ExperimentLayout {
  const dir = join(root, exp);
  return {
    dir,
    inputJson: join(dir, 'experiment.json'),
    baseConfig: join(dir, 'configs', 'base.json'),
    datasetDir: join(dir, 'dataset'),
    metricsDir: join(dir, 'metrics'),
    resultLog: join(dir, 'result_logs', `${exp}.txt`),
  };
}

export interface IterationLayout {
  iteration: number;
  name: string;
  /** Record folder filled by this iteration's generation (model i-1): `{exp}_{i-1}/`. */
  recordFolder: string;
  /** The kept text of this iteration's generation: `{exp}_{i-1}/{exp}_{i-1}.txt`. */
  keptText: string;
  /** Prefix of the record folder's TFRecords: `{exp}_{i-1}` → `{exp}_{i-1}.tfrecords`. */
  recordsPrefix: string;
  /** The training set: `{exp}/{exp}_{i}.index` (one record file per line). */
  index: string;
  /** The index's name relative to the storage root, `{exp}/{exp}_{i}.index`: the reference's `train_set` (under `data/`). */
  trainSet: string;
  /** `configs/{exp}_{i}.json` */
  config: string;
  /** Checkpoints of this iteration's model: `models/{exp}_{i}/step_{N}`. */
  modelDir: string;
  /** The next iteration's record folder (copyN copies into it; the config's `target_save`). */
  nextRecordFolder: string;
  nextKeptText: string;
  /** Working files of the iteration's steps (shards, manifests). */
  work: string;
  generateShard(shard: number, shards: number): string;
  evalShard(shard: number, shards: number): string;
  /** Completion manifests of the single steps. */
  done: { generate: string; records: string; config: string; train: string; eval: string; copy: string };
  evalSummary: string;
  metrics: string;
  /** The embedded trainer's loss at every step (core/training-loss.ts). */
  trainLoss: string;
  /** The command trainer's output log of each host. */
  hostLog(host: string): string;
}

export function iterationLayout(root: string, exp: string, iteration: number): IterationLayout {
  const dir = join(root, exp);
  const name = `${exp}_${iteration}`;
  const prev = `${exp}_${iteration - 1}`;
  const work = join(dir, 'iterations', String(iteration));
  const shardName = (shard: number, shards: number) => `shard-${shard}-of-${shards}.json`;
  return {
    iteration,
    name,
    recordFolder: join(dir, 'records', prev),
    keptText: join(dir, 'records', prev, `${prev}.txt`),
    recordsPrefix: join(dir, 'records', prev),
    index: join(dir, `${name}.index`),
    trainSet: `${exp}/${name}.index`,
    config: join(dir, 'configs', `${name}.json`),
    modelDir: join(dir, 'models', name),
    nextRecordFolder: join(dir, 'records', name),
    nextKeptText: join(dir, 'records', name, `${name}.txt`),
    work,
    generateShard: (shard, shards) => join(work, 'generate', shardName(shard, shards)),
    evalShard: (shard, shards) => join(work, 'eval', shardName(shard, shards)),
    done: {
      generate: join(work, 'generate.done.json'),
      records: join(work, 'records.done.json'),
      config: join(work, 'config.done.json'),
      train: join(work, 'train.done.json'),
      eval: join(work, 'eval.done.json'),
      copy: join(work, 'copy.done.json'),
    },
    evalSummary: join(work, 'eval', 'summary.json'),
    metrics: join(dir, 'metrics', `${name}.json`),
    trainLoss: join(work, 'train', 'loss.jsonl'),
    hostLog: (host) => join(work, 'train', `${host}.log`),
  };
}

/** Completion manifest of an output file: `x.json` → `x.done.json`. */
export function doneUriOf(outputUri: string): string {
  return outputUri.replace(/(\.json)?$/, '.done.json');
}

/** An eval shard's sample of raw completions, right and wrong: `shard-0-of-2.json` → `shard-0-of-2.samples.json`. */
export function evalSampleUriOf(evalShardUri: string): string {
  return evalShardUri.replace(/(\.json)?$/, '.samples.json');
}

/** Checkpoint folder of a trainer that saves at `total_steps` (the reference's `step_{N}`). */
export function checkpointUri(modelDir: string, step: number): string {
  return join(modelDir, `step_${step}`);
}
