/**
 * A checkpoint an iteration trained that cannot be loaded any more (its weights deleted or damaged
 * after the train step finished). `star resume` cannot help: it reuses the finished train step and
 * fails the same way. Training that iteration again can, so the failure names that command.
 */
import { BadInputError } from '../core/errors';
import { CheckpointCorruptError, CheckpointError } from '../model';
import { StorageNotFoundError } from '../storage';
import { LOST_CHECKPOINT_FAILURE } from '../contracts/failure-types';

/** Its name is the failure type `stepFailure` (workflows/iteration.ts) reads: advise a redo, not a resume. */
export class LostCheckpointError extends BadInputError {
  override name = LOST_CHECKPOINT_FAILURE;
}

/**
 * Runs `load` of the model iteration `modelIteration` trained (0 is the base model, whose fix is the
 * baseModelLocation option); a missing or damaged checkpoint becomes a LostCheckpointError naming
 * the redo that writes it again.
 */
export async function loadTrainedCheckpoint<T>(
  experiment: string,
  modelIteration: number,
  checkpointUri: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const unreadable = err instanceof CheckpointError || err instanceof CheckpointCorruptError || err instanceof StorageNotFoundError;
    if (modelIteration < 1 || !unreadable) throw err;
    throw new LostCheckpointError(
      `${(err as Error).message.replace(/\.?\s*$/, '')}. ${checkpointUri} is the model iteration ${modelIteration} trained: ` +
        `\`star redo ${experiment} --iteration ${modelIteration} --step train\` trains it again and runs the rest of that iteration ` +
        '(`star resume` would find the train step finished and fail the same way)',
    );
  }
}
