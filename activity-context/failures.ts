/**
 * Which errors are the input's fault (retrying cannot help) and which are transient. Bad input — a
 * missing dataset file, a corrupt line, a missing checkpoint, a growth rule giving 0 steps — is any
 * `BadInputError` (core/errors.ts; core, storage, model and host errors extend it) and becomes a
 * non-retryable ApplicationFailure whose message names the cause; everything else is retried.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { BadInputError } from '../core/errors';

/** An error the activity raises itself when its input is wrong. */
export function badInput(message: string): BadInputError {
  return new BadInputError(message);
}

/** Runs an activity body; bad-input errors leave it as non-retryable failures naming the step. */
export async function asActivity<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw classify(step, err);
  }
}

export function classify(step: string, err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (!(err instanceof Error)) return err;
  if (err instanceof BadInputError || isMissingFile(err)) {
    return ApplicationFailure.create({ nonRetryable: true, type: err.name, message: `${step}: ${err.message}`, cause: err });
  }
  return err;
}

// Node's own "file not found" from code that reads files directly (prompt files, datasets).
function isMissingFile(err: Error): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
