import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotAvailableError } from './errors';

/**
 * `star records ...` is the core engineer's `recordsCommand(argv)` in cli/records.ts. It is loaded
 * by path at run time so the rest of the CLI works (and typechecks) before that file lands.
 */
export async function recordsCommandEntry(argv: string[]): Promise<number> {
  const file = join(__dirname, 'records.ts');
  if (!existsSync(file)) {
    throw new NotAvailableError('`star records` is not available yet: cli/records.ts (recordsCommand) has not landed in this checkout.');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx's CommonJS hook does not cover import()
  const loaded = require(file) as { recordsCommand?: (argv: string[]) => Promise<number | void> | number | void };
  if (typeof loaded.recordsCommand !== 'function') {
    throw new NotAvailableError('cli/records.ts does not export recordsCommand(argv); `star records` cannot run.');
  }
  const code = await loaded.recordsCommand(argv);
  return typeof code === 'number' ? code : 0;
}
