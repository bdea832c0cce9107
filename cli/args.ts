import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

/** The flags every command that takes an experiment input accepts. */
export const inputFlags = {
  preset: { type: 'string' },
  input: { type: 'string' },
  set: { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

/** `parseArgs` (strict) whose mistakes become a UsageError that shows the command's usage. */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${usage}`);
  }
}

/** The one positional argument a command needs (e.g. the experiment name). */
export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      `${positionals.length === 0 ? `missing ${what}` : `expected one ${what}, got ${positionals.join(' ')}`}\nusage: ${usage}`,
    );
  }
  return positionals[0];
}

export function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals.join(' ')}\nusage: ${usage}`);
}
