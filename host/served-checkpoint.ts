import { localPathOf, schemeOf } from '../storage';

/**
 * The checkpoint as the serve command's `{checkpoint}` gets it: a plain path for local files (servers
 * take folders, not file:// URIs), the URI itself otherwise. `inferenceModelTemplate`'s `{checkpoint}`
 * is the same text, since servers such as `transformers serve DIR` expect the served path as `model`.
 */
export function servedCheckpoint(checkpointUri: string): string {
  return schemeOf(checkpointUri) === 'file' ? localPathOf(checkpointUri) : checkpointUri;
}
