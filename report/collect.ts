/**
 * Gathers what an experiment has written so far from its store alone (no Temporal server): the
 * metrics row of each finished iteration (and of iteration 0, the base model, when it was
 * evaluated), the per-step loss and the generation samples of every iteration that got that far,
 * finished or still running. Works the same on `file://` and `gs://` roots.
 */
import type { z } from 'zod';
import { parseStepLine } from '../core/step-parser';
import { BadInputError } from '../core/errors';
import { parseLossLines, type LossPoint } from '../core/training-loss';
import { exists, list, normaliseRoot, readText } from '../storage';
import { experimentLayout, iterationLayout } from '../contracts/layout';
import { joinUri as join } from '../contracts/uri';
import { pickSamples, type IterationSamples } from './samples';
import { evalCompletionsOf } from './eval-completions';
import type { EvalCompletion } from '../core/eval-sample';
import { experimentInputSchema, generationShardSchema, metricsRowSchema, type GenerationShard, type MetricsRow } from './schemas';
import type { EarlyStopSettings } from '../core/early-stop';

export class ExperimentNotFoundError extends BadInputError {
  override name = 'ExperimentNotFoundError';
}

/** A file of the experiment's store that the report cannot read: not JSON, or not the shape it should have. */
export class DamagedStoreFileError extends BadInputError {
  override name = 'DamagedStoreFileError';
}

/** The file parsed with `schema`; a failure names the file and, for a wrong shape, each field. */
async function readChecked<T>(uri: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let value: unknown;
  try {
    value = JSON.parse(await readText(uri));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new DamagedStoreFileError(
      `${uri} (${what}) is not valid JSON: ${err.message}. Restore the file, or delete it and redo the step that wrote it (star redo)`,
    );
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`).join('; ');
  throw new DamagedStoreFileError(
    `${uri} (${what}) does not hold ${what}: ${fields}. Restore the file, or delete it and redo the step that wrote it (star redo)`,
  );
}

export interface IterationReport {
  iteration: number;
  /** The metrics row, once the iteration has finished. */
  metrics?: MetricsRow;
  /** The training loss at each step saved so far (empty when none was saved). */
  loss: LossPoint[];
  /** Samples of the generation pass, once its shards are written. */
  samples?: IterationSamples;
  /** The eval pass's saved completions, right and wrong, once its shards are written. */
  evalCompletions?: EvalCompletion[];
}

export interface ReportData {
  experiment: string;
  /** The experiment's folder URI. */
  dir: string;
  task?: string;
  nIters?: number;
  /** The experiment's early-stop rule, when it has one. */
  earlyStop?: EarlyStopSettings;
  /** Iteration 0's metrics (the base model), when recorded. */
  base?: MetricsRow;
  /** The base eval's saved completions, right and wrong. */
  baseEvalCompletions?: EvalCompletion[];
  /** Iterations 1.. that have written anything, in order. */
  iterations: IterationReport[];
  collectedAt: Date;
}

export async function collectReport(storageRoot: string, experiment: string): Promise<ReportData> {
  const root = normaliseRoot(storageRoot);
  const layout = experimentLayout(root, experiment);
  const files = await list(layout.dir).catch(() => [] as string[]);
  if (files.length === 0) {
    throw new ExperimentNotFoundError(
      `no experiment ${experiment} under ${root} (${layout.dir} is empty or missing): check the experiment name and --storage-root (the experiment's storageRoot)`,
    );
  }
  const input = (await exists(layout.inputJson))
    ? await readChecked(layout.inputJson, experimentInputSchema, 'the experiment input')
    : undefined;

  const metrics = new Map<number, MetricsRow>();
  for (const uri of files.filter((f) => f.startsWith(`${layout.metricsDir}/`) && f.endsWith('.json'))) {
    const row = await readChecked(uri, metricsRowSchema, 'a metrics row');
    metrics.set(row.iteration, row);
  }
  const iterationNumbers = new Set([...metrics.keys()].filter((i) => i > 0));
  const workPrefix = `${join(layout.dir, 'iterations')}/`;
  for (const uri of files) {
    if (!uri.startsWith(workPrefix)) continue;
    const i = Number(uri.slice(workPrefix.length).split('/')[0]);
    if (Number.isInteger(i) && i > 0) iterationNumbers.add(i);
  }

  const iterations: IterationReport[] = [];
  for (const i of [...iterationNumbers].sort((a, b) => a - b)) {
    const it = iterationLayout(root, experiment, i);
    const own = files.filter((f) => f.startsWith(`${it.work}/`));
    iterations.push({
      iteration: i,
      metrics: metrics.get(i),
      loss: await lossOf(it.trainLoss, own, `${it.work}/train/`, metrics.get(i)?.totalSteps),
      samples: await samplesOf(own, `${it.work}/generate/`, i),
      evalCompletions: await evalCompletionsOf(own, `${it.work}/eval/`),
    });
  }
  return {
    experiment,
    dir: layout.dir,
    // A task file is named by its path: `file` alone says nothing.
    task: input?.task === 'file' && input.taskFile ? `task file ${input.taskFile}` : input?.task,
    nIters: input?.nIters,
    earlyStop: input?.earlyStop,
    base: metrics.get(0),
    baseEvalCompletions: await evalCompletionsOf(files, `${iterationLayout(root, experiment, 0).work}/eval/`),
    iterations,
    collectedAt: new Date(),
  };
}

/** The embedded trainer's loss file, else the loss lines of the command trainer's first host log. */
async function lossOf(lossUri: string, files: string[], trainPrefix: string, totalSteps: number | undefined): Promise<LossPoint[]> {
  if (files.includes(lossUri)) return parseLossLines(await readText(lossUri));
  const hostLog = files.find((f) => f.startsWith(trainPrefix) && f.endsWith('.log'));
  if (!hostLog) return [];
  const points = new Map<number, number>();
  for (const line of (await readText(hostLog)).split('\n')) {
    const report = parseStepLine(line, totalSteps ?? Number.MAX_SAFE_INTEGER);
    if (report?.loss !== undefined) points.set(report.step, report.loss);
  }
  return [...points].map(([step, loss]) => ({ step, loss })).sort((a, b) => a.step - b.step);
}

/** Samples from the finished generation shards (`shard-{k}-of-{K}.json`), if any. */
async function samplesOf(files: string[], generatePrefix: string, iteration: number): Promise<IterationSamples | undefined> {
  const shardFiles = files.filter((f) => f.startsWith(generatePrefix) && /\/shard-\d+-of-\d+\.json$/.test(f));
  if (shardFiles.length === 0) return undefined;
  const shards: GenerationShard[] = [];
  for (const uri of shardFiles) {
    shards.push(await readChecked(uri, generationShardSchema, "a generation shard's output"));
  }
  return shards.length > 0 ? pickSamples(shards, iteration) : undefined;
}
