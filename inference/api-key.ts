import { InferenceSettingsError } from './errors';

/**
 * The API key, read on the worker from the environment variable the input names: the key itself is
 * never in the input, so it is never in workflow history, `star plan` or a log.
 */
export function apiKeyFromEnv(variable: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!variable) return undefined;
  const key = env[variable];
  if (!key) {
    throw new InferenceSettingsError(
      `inferenceApiKeyEnv names ${variable}, which is not set where this worker runs: export ${variable}=<key> before starting the worker, or drop inferenceApiKeyEnv for a server without keys`,
    );
  }
  return key;
}
