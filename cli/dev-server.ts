import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BadInputError } from '../core/errors';
import { ensureTemporalCli } from './temporal-binary';
import { findFreePort, isPortFree, namespaceAnswers } from './ports';
import { processAlive, sleep, stopProcessGroup } from '../processes/process-group';

/**
 * The local Temporal dev server that `star run` uses when no TEMPORAL_ADDRESS is given.
 * Its state lives in one folder (`.state/` of the project by default): the SQLite database, so a
 * stopped experiment resumes; a small JSON file naming the running server, so the next `star run`
 * reuses it instead of opening the same database twice; and its log.
 */

export interface DevServerOptions {
  /** Folder for temporal.db, dev-server.json and dev-server.log. */
  stateDir: string;
  /** gRPC port; default 7233 when free, else any free port; 'any': any free port (tests). */
  port?: number | 'any';
  /** Web UI port; default gRPC port + 1000 when free, else any free port. */
  uiPort?: number;
  /** Turn the Web UI off (tests). */
  headless?: boolean;
  /** Seconds to wait for the server to answer. */
  readyTimeoutSeconds?: number;
  /** Keep it running when its users release it (`star server start`). */
  persistent?: boolean;
}

export interface DevServer {
  address: string;
  namespace: string;
  /** Web UI address, absent when headless. */
  uiUrl?: string;
  pid: number;
  /** True when an already-running server of ours was found and reused. */
  reused: boolean;
  logFile: string;
  /** Stops the server (its whole process group) and waits until it has exited. */
  stop(): Promise<void>;
  /**
   * Marks this process as using the server until `release()`, so two `star run`s can share it.
   * `release()` stops it when no other live process uses it and it is not persistent; it returns
   * whether it stopped it.
   */
  use(): void;
  release(): Promise<boolean>;
}

/**
 * STAR_DEV_SERVER_PORT: the port `star run` starts its dev server on — a number, or `any` for any
 * free port (tests, or a second checkout next to a running `star run`); unset: 7233 when free.
 */
export function devServerPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | 'any' | undefined {
  const raw = env.STAR_DEV_SERVER_PORT?.trim();
  if (!raw) return undefined;
  if (raw === 'any') return 'any';
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new DevServerPortError(
      `STAR_DEV_SERVER_PORT=${JSON.stringify(raw)} is not a port: set it to a number from 1 to 65535, or to "any" for any free port, or unset it for 7233`,
    );
  }
  return port;
}

export class DevServerPortError extends BadInputError {
  override readonly name = 'DevServerPortError';
}

const serverRecordSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().positive(),
  uiPort: z.number().int().positive().optional(),
  dbFile: z.string(),
  persistent: z.boolean().optional(),
  startedAt: z.string(),
});
type ServerRecord = z.infer<typeof serverRecordSchema>;

const NAMESPACE = 'default';

export function devServerFiles(stateDir: string) {
  const dir = resolve(stateDir);
  return {
    dir,
    db: join(dir, 'temporal.db'),
    record: join(dir, 'dev-server.json'),
    log: join(dir, 'dev-server.log'),
    /** One empty file per process using the server, named by its pid. */
    users: join(dir, 'dev-server-users'),
  };
}

/** The server recorded in `stateDir`, if its process is still alive (it may not answer yet). */
export function readServerRecord(stateDir: string): ServerRecord | undefined {
  const files = devServerFiles(stateDir);
  if (!existsSync(files.record)) return undefined;
  let parsed: ServerRecord;
  try {
    parsed = serverRecordSchema.parse(JSON.parse(readFileSync(files.record, 'utf8')));
  } catch {
    return undefined; // a half-written or foreign file: treat as no server
  }
  return processAlive(parsed.pid) && looksLikeTemporal(parsed.pid) ? parsed : undefined;
}

/** Guards against a recycled pid: the recorded process must still be the temporal binary. */
function looksLikeTemporal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev');
  } catch {
    return true; // no /proc (macOS): the port check that follows decides
  }
}

/**
 * Reuses the dev server of `stateDir` if its port answers, otherwise starts one on the same
 * database and waits until its default namespace answers.
 */
export async function startOrReuseDevServer(options: DevServerOptions): Promise<DevServer> {
  const files = devServerFiles(options.stateDir);
  const timeoutMs = (options.readyTimeoutSeconds ?? 90) * 1000;
  mkdirSync(files.dir, { recursive: true });

  const running = readServerRecord(options.stateDir);
  if (running) {
    const address = `127.0.0.1:${running.port}`;
    // A server that was just started by another `star run` may still be opening its database.
    await waitUntilReady(address, running.pid, files.log, timeoutMs);
    if (options.persistent && !running.persistent) {
      running.persistent = true;
      writeFileSync(files.record, JSON.stringify(running, null, 2) + '\n');
    }
    return handleFor(running, files.log, true);
  }

  const temporal = ensureTemporalCli();
  // The server also binds ports it picks itself (its internal services), and ports we pick can be
  // taken between our check and its bind: when it dies of a port problem (or panics while
  // starting, which we have seen on a loaded machine), try again, at most three times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(temporal, options, files, timeoutMs);
    } catch (err) {
      if (!(err instanceof RetryableStartError) || attempt >= 3) throw err;
    }
  }
}

class RetryableStartError extends Error {}

async function launch(
  temporal: string,
  options: DevServerOptions,
  files: ReturnType<typeof devServerFiles>,
  timeoutMs: number,
): Promise<DevServer> {
  const port = typeof options.port === 'number' ? options.port : options.port === 'any' ? await findFreePort() : await preferredPort(7233);
  const uiPort = options.headless ? undefined : (options.uiPort ?? (await preferredPort(port + 1000)));
  // Another server on the port would answer the readiness check in place of ours.
  for (const [flag, wanted] of [
    ['port', port],
    ['UI port', uiPort],
  ] as const) {
    if (wanted !== undefined && !(await isPortFree(wanted))) {
      throw new Error(
        `cannot start the Temporal dev server: its ${flag} ${wanted} is in use by another process; free it or choose another port`,
      );
    }
  }
  const args = ['server', 'start-dev', '--db-filename', files.db, '--port', String(port), '--ip', '127.0.0.1'];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  // The dev server otherwise picks random ports for these, which can collide with ports we chose.
  args.push('--http-port', String(await findFreePort()), '--metrics-port', String(await findFreePort()));
  args.push('--log-level', 'warn');

  const logStart = existsSync(files.log) ? statSync(files.log).size : 0;
  const logFd = openSync(files.log, 'a');
  writeFileSync(logFd, `\n--- ${new Date().toISOString()} ${temporal} ${args.join(' ')}\n`);
  // detached: its own process group, so the terminal's Ctrl-C reaches only us and we stop it
  // after the worker has drained, not before.
  const child = spawn(temporal, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${temporal}; see ${files.log}`);

  const record: ServerRecord = {
    pid: child.pid,
    port,
    uiPort,
    dbFile: files.db,
    startedAt: new Date().toISOString(),
    persistent: options.persistent,
  };
  writeFileSync(files.record, JSON.stringify(record, null, 2) + '\n');
  try {
    await waitUntilReady(`127.0.0.1:${port}`, child.pid, files.log, timeoutMs);
  } catch (err) {
    await stopProcessGroup(child.pid);
    rmSync(files.record, { force: true });
    const log = readFrom(files.log, logStart);
    const cause = log
      .split('\n')
      .filter((line) => /^(panic|error|fatal)\b|level=(error|fatal)/i.test(line.trim()))
      .slice(0, 5)
      .join('\n');
    const message = `${(err as Error).message}${cause ? `\n${cause}` : ''}\n(full log: ${files.log})`;
    if (/address already in use|free port|bind:|^panic:/im.test(log)) throw new RetryableStartError(message);
    throw new Error(message);
  }
  return handleFor(record, files.log, false);
}

function readFrom(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** Stops the dev server recorded in `stateDir`; returns false when none was running. */
export async function stopDevServer(stateDir: string): Promise<boolean> {
  const running = readServerRecord(stateDir);
  rmSync(devServerFiles(stateDir).record, { force: true });
  rmSync(devServerFiles(stateDir).users, { recursive: true, force: true });
  if (!running) return false;
  await stopProcessGroup(running.pid);
  return true;
}

function handleFor(record: ServerRecord, logFile: string, reused: boolean): DevServer {
  const files = devServerFiles(join(record.dbFile, '..'));
  const myMark = join(files.users, String(process.pid));
  const stop = async () => {
    await stopProcessGroup(record.pid);
    const current = readRecordFile(files.record);
    if (current?.pid === record.pid) rmSync(files.record, { force: true });
    rmSync(files.users, { recursive: true, force: true });
  };
  return {
    address: `127.0.0.1:${record.port}`,
    namespace: NAMESPACE,
    uiUrl: record.uiPort === undefined ? undefined : `http://localhost:${record.uiPort}`,
    pid: record.pid,
    reused,
    logFile,
    stop,
    use: () => {
      mkdirSync(files.users, { recursive: true });
      writeFileSync(myMark, '');
    },
    release: async () => {
      rmSync(myMark, { force: true });
      const persistent = readRecordFile(files.record)?.persistent ?? record.persistent;
      if (persistent || otherUsers(files.users).length > 0) return false;
      await stop();
      return true;
    },
  };
}

/** Live processes (other than this one) that marked themselves as users of the server. */
function otherUsers(usersDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(usersDir);
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      if (processAlive(pid)) return true;
      rmSync(join(usersDir, String(pid)), { force: true }); // left by a process that died
      return false;
    });
}

function readRecordFile(path: string): ServerRecord | undefined {
  try {
    return serverRecordSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

async function preferredPort(port: number): Promise<number> {
  return (await isPortFree(port)) ? port : findFreePort();
}

async function waitUntilReady(address: string, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await namespaceAnswers(address, NAMESPACE)) return;
    if (!processAlive(pid)) {
      throw new Error(
        `the Temporal dev server (pid ${pid}) exited before it answered on ${address}; the end of its log:\n${tail(logFile, 8)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`the Temporal dev server (pid ${pid}) did not answer on ${address} within ${timeoutMs / 1000}s; see ${logFile}`);
    }
    await sleep(250);
  }
}

/** The last `lines` lines of a log file, for an error message. */
function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
