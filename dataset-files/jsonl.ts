import type { z } from 'zod';
import { parseJsonl } from '../core/jsonl';
import { readText } from '../storage';

/** The schema-checked rows of a JSONL file on storage; a bad line fails as core's `JsonlLineError` (file and line). */
export async function loadJsonl<S extends z.ZodType>(uri: string, schema: S): Promise<Array<z.infer<S>>> {
  return parseJsonl(await readText(uri), schema, uri);
}
