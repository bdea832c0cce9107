/**
 * The one base class for "the input is wrong": a missing or corrupt file, an invalid option, a
 * checkpoint that does not match its model. Retrying cannot help, so activities turn these into
 * non-retryable failures at once (activity-context/failures.ts classifies with `instanceof`). Every
 * message names what is wrong and what to do about it.
 */
export class BadInputError extends Error {
  override name = 'BadInputError';
}
