/**
 * The inference servers of one host worker (`serveCommandTemplate`): a generation or eval shard on
 * this host asks for its checkpoint's server; the first starts it (a free port, the command in its own
 * process group, its log streamed to the store) and waits until `GET /v1/models` answers; later
 * shards of the same pass reuse it. Once no shard uses it, it is stopped (SIGTERM to the group, then
 * SIGKILL) after a short linger, or at once when another checkpoint is asked for: one server per
 * host, as it holds the host's accelerators. A note in the state folder names the running server,
 * so a worker that died without stopping it stops it when it starts again. A shard that names a LoRA
 * adapter (`serveLoraAdapters`) gets it loaded into the base model's server (host/lora-adapters.ts),
 * which then stays up across iterations.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { heartbeatAgain } from '../activity-context/progress';
import { joinUri } from '../storage';
import { CommandTemplateError, UnsetVariableError, withEnvironment, type ResolvedCommand } from '../core/command-line';
import { OutputLog } from './output-log';
import { CommandNotFoundError, resolveProgram } from './resolve-command';
import { RunningTrainerFile } from './running-trainer';
import { expandServeCommand } from '../contracts/command-templates';
import { servedCheckpoint } from './served-checkpoint';
import { stopProcessGroup } from '../processes/process-group';
import { TrainerProcess } from './trainer-process';
import { LoraAdapters, type LoraAdapter } from './lora-adapters';

export interface ServeRequest {
  checkpointUri: string;
  template: string;
  startTimeoutMs: number;
  /** The pass's folder in the store; the server's output goes to `serve-{host}.log` there. */
  logDir: string;
  /** A LoRA adapter of `checkpointUri` (the base) that the shard samples with: loaded before the server is handed out. */
  adapter?: LoraAdapter;
  /** How long the server stays up once unused after this shard (the host's setting when absent). */
  lingerMs?: number;
}

export interface ServedModel {
  /** `http://127.0.0.1:PORT/v1` */
  url: string;
  release(): void;
}

/** What shard activities ask for a server through (activities/deps.ts). */
export interface ServerSource {
  acquire(request: ServeRequest): Promise<ServedModel>;
}

export interface InferenceServerSettings {
  host: string;
  workdir: string;
  stateDir: string;
  killGraceMs: number;
  env: NodeJS.ProcessEnv;
  say: (message: string) => void;
  /** How long an unused server stays up for the next shard of the same pass. */
  lingerMs?: number;
}

interface Running {
  key: string;
  url: string;
  process: TrainerProcess;
  log: OutputLog;
  adapters: LoraAdapters;
  users: number;
  ready: Promise<void>;
  linger?: NodeJS.Timeout;
}

export class InferenceServers implements ServerSource {
  private current: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly note: RunningTrainerFile;

  constructor(private readonly settings: InferenceServerSettings) {
    this.note = new RunningTrainerFile(settings.stateDir, settings.host, 'server');
  }

  /** Stops a server an earlier worker on this host left running (call once, at start-up). */
  async stopLeftover(): Promise<void> {
    const leftover = this.note.leftover();
    if (!leftover) return;
    this.settings.say(
      `stopping inference server process group ${leftover.pgid} (${leftover.program}, started ${leftover.startedAt}) left by an earlier worker`,
    );
    await stopProcessGroup(leftover.pgid, this.settings.killGraceMs);
    this.note.clear();
  }

  /** Kills the running server at once (the worker process is exiting). */
  killNow(): void {
    this.current?.process.killNow();
  }

  async stopAll(): Promise<void> {
    await this.serialized(() => this.stopCurrent());
  }

  acquire(request: ServeRequest): Promise<ServedModel> {
    const key = `${request.checkpointUri}\n${request.template}`;
    return this.serialized(async () => {
      if (this.current && (this.current.key !== key || !this.current.process.running)) await this.stopCurrent();
      this.current ??= await this.start(key, request);
      const server = this.current;
      server.users += 1;
      if (server.linger) clearTimeout(server.linger);
      server.linger = undefined;
      let released = false;
      let releaseAdapter: (() => void) | undefined;
      const release = () => {
        if (released) return;
        released = true;
        releaseAdapter?.();
        server.users -= 1;
        if (server.users > 0 || this.current !== server) return;
        server.linger = setTimeout(
          () =>
            void this.serialized(async () => {
              if (this.current === server && server.users === 0) await this.stopCurrent();
            }),
          request.lingerMs ?? this.settings.lingerMs ?? 10_000,
        );
        server.linger.unref();
      };
      try {
        await server.ready;
      } catch (err) {
        server.users -= 1;
        if (this.current === server) await this.stopCurrent();
        throw err;
      }
      try {
        if (request.adapter) releaseAdapter = await server.adapters.use(request.adapter);
      } catch (err) {
        release();
        throw err;
      }
      return { url: server.url, release };
    });
  }

  /** One start or stop at a time. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async start(key: string, request: ServeRequest): Promise<Running> {
    await this.stopLeftover();
    const port = await freePort();
    const checkpoint = servedCheckpoint(request.checkpointUri);
    let command: ResolvedCommand;
    let program: string;
    try {
      command = withEnvironment(
        expandServeCommand(request.template, { checkpoint, port, host: '127.0.0.1' }),
        this.settings.env,
        `host ${this.settings.host}`,
      );
      program = resolveProgram(command.argv[0] as string, this.settings.workdir, this.settings.env);
    } catch (err) {
      if (err instanceof CommandTemplateError || err instanceof CommandNotFoundError || err instanceof UnsetVariableError) {
        throw ApplicationFailure.create({
          type: 'ServeCommandInvalid',
          nonRetryable: true,
          message: `serveCommandTemplate: ${err.message}`,
        });
      }
      throw err;
    }
    const logUri = joinUri(request.logDir, `serve-${this.settings.host}.log`);
    const log = new OutputLog({ uri: logUri, flushMs: 5000, warn: this.settings.say });
    await log.open(
      `=== ${new Date().toISOString()} host ${this.settings.host}: serving ${request.checkpointUri} on port ${port}\n=== ${command.shown.map((a) => JSON.stringify(a)).join(' ')}`,
    );
    let process: TrainerProcess;
    try {
      process = await TrainerProcess.start({
        argv: [program, ...command.argv.slice(1)],
        cwd: this.settings.workdir,
        env: this.settings.env,
        onLine: (line) => log.append(command.mask(line)),
      });
    } catch (err) {
      log.append(`=== could not start ${program}: ${(err as Error).message}`);
      await log.close();
      throw ApplicationFailure.create({
        type: 'ServeCommandInvalid',
        nonRetryable: true,
        message: `could not start the serve command ${program}: ${(err as Error).message}`,
      });
    }
    this.note.record(process.pid, program);
    this.settings.say(
      `serving ${request.checkpointUri}: started ${command.shown[0]} (process group ${process.pid}) on port ${port}, output in ${logUri}`,
    );
    const url = `http://127.0.0.1:${port}/v1`;
    const adapters = new LoraAdapters(url, (line) => log.append(`=== ${new Date().toISOString()} ${line} (process group ${process.pid})`));
    const running: Running = { key, url, process, log, adapters, users: 0, ready: Promise.resolve() };
    running.ready = waitUntilServing(url, process, log, request.startTimeoutMs, logUri);
    running.ready.catch(() => undefined);
    return running;
  }

  private async stopCurrent(): Promise<void> {
    const server = this.current;
    if (!server) return;
    this.current = undefined;
    if (server.linger) clearTimeout(server.linger);
    if (server.process.running) {
      server.log.append(`=== ${new Date().toISOString()} stopping the server (process group ${server.process.pid})`);
      await server.process.stop(this.settings.killGraceMs);
    }
    server.log.append(`=== ${new Date().toISOString()} stopped`);
    await server.log.close();
    this.note.clear();
    this.settings.say(`stopped the inference server on ${server.url}`);
  }
}

/** Polls `GET /v1/models` until it answers 200; fails with the log's tail if the process exits first or time runs out. */
async function waitUntilServing(
  url: string,
  process: TrainerProcess,
  log: OutputLog,
  startTimeoutMs: number,
  logUri: string,
): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let exited = false;
  void process.exited.then(() => (exited = true));
  for (;;) {
    if (exited || !process.running) {
      const exit = await process.exited;
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
      throw ApplicationFailure.create({
        type: 'ServeCommandFailed',
        // Status 2 is a usage error (argparse, star serve): the same command would fail again.
        nonRetryable: exit.code === 2,
        message: `the serve command ${how} before ${url}/models answered; see ${logUri}. Last output:\n${log.lastLines(15).join('\n')}`,
      });
    }
    try {
      const response = await fetch(`${url}/models`, { signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.ok) {
        log.append(`=== ${new Date().toISOString()} serving: ${url}/models answered`);
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw ApplicationFailure.create({
        type: 'ServeCommandTimeout',
        message: `${url}/models did not answer within ${Math.round(startTimeoutMs / 1000)} s of starting the serve command (serveStartTimeoutSeconds); see ${logUri}. Last output:\n${log.lastLines(15).join('\n')}`,
      });
    }
    heartbeatAgain();
    await sleep(250);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
