/**
 * What the workflow and the activities exchange: URIs and small summaries, never data.
 */
import type { ExperimentOptions, Tracker } from './experiment-input';
import type { ClassAccuracy } from './metrics';

/** Counts of a generation pass (one shard or merged). */
export interface GenerationCounts {
  /** Examples sampled. */
  attempted: number;
  /** Answered correctly without a hint. */
  correct: number;
  /** Failures retried with the answer as a hint. */
  hinted: number;
  /** Hinted retries that reached the correct answer (kept, saved hint-free unless pShowHintSave). */
  rationalized: number;
  /** Examples kept: correct + rationalized (with k samples, up to keepPerQuestion per question). */
  kept: number;
  // Absent from results written before k samples per question existed (k was 1 then).
  /** Plain samples drawn (questions × samplesPerQuestion). */
  samples?: number;
  /** Plain samples judged correct. */
  correctSamples?: number;
  /** Questions with at least one correct plain sample (pass@k on train). */
  questionsWithCorrect?: number;
  /** Kept rationales with distinct text. */
  distinctKept?: number;
}

/** Per-class tallies of an eval pass; `{cls}_r` classes count rationalized attempts. */
export type ClassTally = Record<string, { correct: number; total: number }>;

/** Every activity's output ends with its completion manifest, written last. */
export interface Manifest<T> {
  /** Stable digest of the inputs that produced it: a manifest of other inputs is not reused. */
  inputKey: string;
  completedAt: string;
  seconds: number;
  result: T;
}

export interface PrepareExperimentInput {
  options: ExperimentOptions;
}
export interface PreparedExperiment {
  /** The storage root, normalised (absolute `file://` or `gs://`), so every worker resolves the same place. */
  root: string;
  /** The experiment's copy of the base trainer config (`configs/base.json`). */
  baseConfigUri: string;
  /** The dataset folder every shard reads (generated problems for arithmetic). */
  datasetDir: string;
  trainExamples: number;
  devExamples: number;
}

/** One shard of a generation or eval pass. */
export interface ShardInput {
  options: ExperimentOptions;
  datasetDir: string;
  iteration: number;
  shard: number;
  shards: number;
  /** The model that samples. */
  checkpointUri: string;
  /** Where the shard writes its output (its manifest goes next to it). */
  outputUri: string;
}

export interface GenerateShardResult {
  outputUri: string;
  counts: GenerationCounts;
}

export interface MergeGenerationInput {
  options: ExperimentOptions;
  iteration: number;
  shardUris: string[];
  /** The kept text (`{exp}_{i-1}.txt` in the record folder), `\n\n`-separated examples. */
  keptTextUri: string;
  manifestUri: string;
}
export interface MergeGenerationResult {
  keptTextUri: string;
  counts: GenerationCounts;
}

export interface WriteRecordsInput {
  options: ExperimentOptions;
  iteration: number;
  /** Every text file here becomes records (the kept text and any copyN files). */
  recordFolder: string;
  /** The records are `{recordsPrefix}.tfrecords` (the reference's `{record_folder}.tfrecords`). */
  recordsPrefix: string;
  /** The trainer config in force (its `seq` sizes the chunks for the command trainer). */
  trainerConfigUri: string;
  indexUri: string;
  manifestUri: string;
}
export interface WriteRecordsResult {
  indexUri: string;
  /** Examples in the record folder (`\n\n`-separated), what the epoch rule counts. */
  examples: number;
  records: number;
  tokens: number;
  /** Name of the tokenizer the ids belong to (the training model's). */
  tokenizer: string;
}

export interface WriteConfigInput {
  options: ExperimentOptions;
  iteration: number;
  /** The previous iteration's config (the experiment's base config for iteration 1). */
  previousConfigUri: string;
  configUri: string;
  manifestUri: string;
  /** Examples counted for the epoch rule. */
  examples: number;
  indexUri: string;
  modelDir: string;
  /** The next iteration's kept text (the reference's `target_save`). */
  targetSave: string;
}
export interface WriteConfigResult {
  configUri: string;
  totalSteps: number;
}

export interface TrainModelInput {
  options: ExperimentOptions;
  iteration: number;
  configUri: string;
  indexUri: string;
  /** Every iteration fine-tunes the base model, not the previous iteration's. */
  baseCheckpointUri: string;
  modelDir: string;
  totalSteps: number;
  /** Chunks in the records: 0 means nothing to train on. */
  records: number;
  manifestUri: string;
  /** Where the loss of every step is saved (`iterations/{i}/train/loss.jsonl`). */
  lossUri?: string;
}
export interface TrainModelResult {
  checkpointUri: string;
  step: number;
  loss?: number;
}

/**
 * Where the hosts of one distributed training job meet: host 0's address and a port on it. `picked`
 * by host 0 (`pickRendezvous`) for this attempt of the step, or given by the user (`input`, the
 * experiment option `rendezvous`), which decides whether a port in use is worth a new attempt.
 */
export interface Rendezvous {
  addr: string;
  port: number;
  chosenBy: 'host' | 'input';
}

/** Host 0's activity that picks the rendezvous, on its own task queue, before each attempt of a step. */
export const PICK_RENDEZVOUS = 'pickRendezvous';
export interface PickRendezvousInput {
  host: string;
}

/**
 * The per-host training activity: `workers/host.ts` registers an activity of this name on its host's
 * task queue (`hostTaskQueue`); the workflow starts one per host, all at once.
 */
export const TRAIN_ON_HOST = 'trainOnHost';
export interface TrainOnHostInput {
  host: string;
  hostIndex: number;
  hostCount: number;
  iteration: number;
  configUri: string;
  baseCheckpointUri: string;
  commandTemplate: string;
  /** Run on the final checkpoint by the first host (experiment option `convertCommandTemplate`); the converted folder is the result. */
  convertCommandTemplate?: string;
  totalSteps: number;
  modelDir: string;
  /** The iteration's records index (one record file URI a line), which the host copies into its workdir. */
  indexUri: string;
  /**
   * The index's name under `{workdir}/data/` (the reference's `train_set`, `{exp}/{exp}_{i}.index`):
   * `device_train.py` reads `data/{train_set}` relative to its working directory.
   */
  trainSet: string;
  /** Where the host writes the command's output. */
  logUri: string;
  /** `{master_addr}` and `{master_port}`; only when the command template names them. */
  rendezvous?: Rendezvous;
  /** `{nproc_per_node}`; only when the command template names it. */
  nprocPerNode?: number;
}
export interface TrainOnHostResult {
  host: string;
  /** The final checkpoint (`step_{totalSteps}`), when this host saves it. */
  checkpointUri?: string;
  step: number;
}

export interface EvalShardResult {
  outputUri: string;
  tally: ClassTally;
}

export interface MergeEvalInput {
  iteration: number;
  shardUris: string[];
  summaryUri: string;
  manifestUri: string;
}
export interface MergeEvalResult {
  summaryUri: string;
  accuracy: Record<string, ClassAccuracy>;
  overallAccuracy: number;
}

export interface CopyRecordsInput {
  iteration: number;
  fromFolder: string;
  toFolder: string;
  copyN: number;
  manifestUri: string;
}
export interface CopyRecordsResult {
  copied: string[];
}

export interface RecordMetricsInput {
  metricsUri: string;
  row: unknown;
  /** The experiment's one-line-per-iteration log (`result_logs/{exp}.txt`). */
  logUri?: string;
}

export interface SyncTrackingInput {
  /** The storage root (`prepared.root`). */
  root: string;
  experiment: string;
  trackers: Tracker[];
}
export interface SyncTrackingResult {
  /** Per tracker: its run, and how many points this sync logged (0 when it had them all). */
  runs: Partial<Record<Tracker, { runId: string; logged: number }>>;
}
