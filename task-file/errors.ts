import { BadInputError } from '../core/errors';
import { localPathOf } from '../storage/uri';

/** A local file as its path (what an editor opens), anything else as its URI. */
export function shownFile(uri: string): string {
  return uri.startsWith('file://') ? localPathOf(uri) : uri;
}

/**
 * Something wrong in a task file or the files it names. The message starts with `file:line` (and the
 * field when one is at fault), so an editor jumps to it; retrying cannot help, so a step that meets
 * one fails non-retryably (activities/failures.ts).
 */
export class TaskFileError extends BadInputError {
  override readonly name = 'TaskFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly detail: string,
  ) {
    super(`${shownFile(file)}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${detail}`);
  }
}
