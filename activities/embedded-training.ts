/**
 * The embedded trainer's implementation: fine-tunes THE BASE MODEL (never the previous iteration's) on
 * the iteration's records for total_steps, writing `models/{exp}_{i}/step_{N}`. Trainer settings come
 * from the iteration config (lr, warmup_steps, ckpt_every, per_replica_batch,
 * gradient_accumulation_steps). A retried attempt continues from the newest checkpoint there
 * (model/train resumes by itself).
 */
import { CancelledFailure } from '@temporalio/common';
import { keyedSeed } from '../core/prng';
import { train } from '../model';
import { readJson, StorageNotFoundError } from '../storage';
import { checkpointUri } from '../contracts/layout';
import { badInput } from '../activity-context/failures';
import { LossLog } from './loss-log';
import { checkedTrainingChunks, requireCheckpoint } from './model-checks';
import { cancellationSignal, heartbeat } from '../activity-context/progress';
import type { TrainModelInput, TrainModelResult } from '../contracts/activities';

interface TrainerConfig {
  lr?: number;
  warmup_steps?: number;
  ckpt_every?: number;
  per_replica_batch?: number;
  gradient_accumulation_steps?: number;
}

export async function trainEmbedded(input: TrainModelInput): Promise<TrainModelResult> {
  // Checked here first so a failure names the option and the record file, not only model/train's chunk number.
  const base = await requireCheckpoint(
    input.baseCheckpointUri,
    'baseModelLocation',
    'Point baseModelLocation at a step_N folder written by the embedded trainer (or model/train-cli.ts)',
  );
  const redoRecords = `\`star redo ${input.options.experiment} --iteration ${input.iteration} --step records\``;
  const chunks = await checkedTrainingChunks(input.indexUri, base, input.baseCheckpointUri).catch((err: unknown) => {
    // A finished records step is reused by `star resume`, so only a redo writes a lost file again.
    if (err instanceof StorageNotFoundError)
      throw badInput(`${err.message}. If the records of iteration ${input.iteration} were lost, ${redoRecords} writes them again`);
    throw err;
  });
  if (chunks.length === 0) {
    throw badInput(
      `the records index ${input.indexUri} of iteration ${input.iteration} names no records: ${redoRecords} writes them again`,
    );
  }
  const config = await readJson<TrainerConfig>(input.configUri);
  const settings = {
    lr: positive(config.lr, 'lr', input.configUri, true),
    warmupSteps: Math.floor(positive(config.warmup_steps ?? 0, 'warmup_steps', input.configUri, true)),
    checkpointEvery: Math.max(1, Math.floor(positive(config.ckpt_every ?? input.totalSteps, 'ckpt_every', input.configUri))),
    batchSize: Math.floor(positive(config.per_replica_batch ?? 1, 'per_replica_batch', input.configUri)),
    gradientAccumulationSteps: Math.floor(
      positive(
        config.gradient_accumulation_steps ?? input.options.gradientAccumulationSteps,
        'gradient_accumulation_steps',
        input.configUri,
      ),
    ),
  };
  const signal = cancellationSignal();
  // Histories from before the loss file was saved schedule training without its URI.
  const lossLog = input.lossUri ? await LossLog.open(input.lossUri) : undefined;
  heartbeat({ kind: 'training', step: 0, totalSteps: input.totalSteps });
  let result;
  try {
    result = await train({
      baseCheckpointUri: input.baseCheckpointUri,
      // The chunks just checked (train() would read the index again; its run identity does not include the URI).
      chunks,
      totalSteps: input.totalSteps,
      outputDirUri: input.modelDir,
      ...settings,
      seed: keyedSeed(input.options.seed, 'train', String(input.iteration)),
      signal,
      onProgress: async (step, loss) => {
        heartbeat({ kind: 'training', step, totalSteps: input.totalSteps, loss });
        await lossLog?.record(step, loss, step % settings.checkpointEvery === 0 || step === input.totalSteps);
      },
    });
    await lossLog?.flush();
  } catch (err) {
    if (signal?.aborted) throw new CancelledFailure(`training of iteration ${input.iteration} cancelled`);
    throw err;
  }
  const loss = Number.isFinite(result.loss) ? result.loss : undefined;
  return { checkpointUri: result.checkpointUri || checkpointUri(input.modelDir, result.step), step: result.step, loss };
}

function positive(value: unknown, field: string, uri: string, zeroAllowed = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw badInput(`${uri}: ${field} is ${JSON.stringify(value)}; it must be a ${zeroAllowed ? 'non-negative' : 'positive'} number`);
  }
  return value;
}
