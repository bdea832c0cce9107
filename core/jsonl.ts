import type { z } from 'zod';
import { BadInputError } from './errors';

export class JsonlLineError extends BadInputError {
  override readonly name = 'JsonlLineError';
  constructor(
    readonly uri: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${uri}:${line}: ${detail}; fix or remove that line (one JSON object per line)`);
  }
}

/** Parses JSONL text, one schema-checked row per non-empty line; errors name the file and 1-based line. */
export function parseJsonl<S extends z.ZodType>(text: string, schema: S, uri: string): Array<z.infer<S>> {
  const rows: Array<z.infer<S>> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new JsonlLineError(uri, i + 1, `not valid JSON (${(err as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`);
      throw new JsonlLineError(uri, i + 1, `unexpected row layout (${issues.join('; ')})`);
    }
    rows.push(parsed.data);
  }
  return rows;
}
