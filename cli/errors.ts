import { BadInputError } from '../core/errors';

/**
 * Errors the `star` command reports without a stack trace. Each carries its exit code:
 * 2 for anything the user can fix in what they typed or wrote (arguments, input file, presets),
 * 1 for everything else.
 */
export class UsageError extends BadInputError {
  readonly exitCode: number = 2;
  override readonly name: string = 'UsageError';
}

/** The experiment input failed validation; `problems` lists every one (field, value, what is expected). */
export class InvalidInputError extends UsageError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid experiment input:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A command needs something that is not there yet (another part of the project, a running experiment). */
export class NotAvailableError extends Error {
  readonly exitCode: number = 1;
  override readonly name: string = 'NotAvailableError';
}
