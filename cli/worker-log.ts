import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

/**
 * Sends the worker's logs (SDK, workflow and activity logs, and the native core's warnings) to a
 * file, so they do not scroll through `star run`'s progress view. Must run before the first
 * NativeConnection or Worker is created: the Temporal runtime is installed once per process.
 */
export function logWorkerToFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `\n--- ${new Date().toISOString()} star run (pid ${process.pid})\n`);
  const write = (entry: LogEntry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${inspect(entry.meta, { depth: 4, breakLength: Infinity })}` : '';
    appendFileSync(path, `${time} [${entry.level}] ${entry.message}${meta}\n`);
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', write),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
}
