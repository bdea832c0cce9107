import { BadInputError } from '../core/errors';

/**
 * The server refused the request (HTTP 400, 401, 403, 404, 422): the same request would be refused
 * again, so it fails at once, quoting the server's own message and what to change.
 */
export class InferenceRejectedError extends BadInputError {
  override name = 'InferenceRejectedError';
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all within the retry budget: most likely a wrong URL. */
export class InferenceUnreachableError extends BadInputError {
  override name = 'InferenceUnreachableError';
}

/** The server answered 2xx with something that is not an OpenAI-compatible response. */
export class InferenceProtocolError extends BadInputError {
  override name = 'InferenceProtocolError';
}

/** A setting of the openai inference path is missing or wrong (e.g. the API key variable is unset). */
export class InferenceSettingsError extends BadInputError {
  override name = 'InferenceSettingsError';
}
