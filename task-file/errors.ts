import { BadInputError } from '../core/errors';

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
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${detail}`);
  }
}
