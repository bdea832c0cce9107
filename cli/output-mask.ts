import { format } from 'node:util';
import { maskSecretValues, type SecretValue } from '../core/secret-mask';

const METHODS = ['log', 'info', 'warn', 'error'] as const;

/**
 * From here on, everything this process prints through `console` shows each expanded `${NAME}`
 * value as `${NAME}`: messages quote options (a folder, an address, a failure from the server) in
 * many places, and one mask at the exit is the only way none is missed.
 */
export function maskConsoleOutput(secrets: readonly SecretValue[]): void {
  if (secrets.length === 0) return;
  for (const method of METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => original(maskSecretValues(format(...args), secrets));
  }
}
