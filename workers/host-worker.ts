/**
 * The host worker of per-host training: started once on every training host (a TPU VM, a GPU
 * machine) with that host's name, it serves `trainOnHost` on task queue `star-host-{name}` (and, with
 * `serveCommandTemplate`, the generation and eval shards) and runs the experiment's training command
 * there. See docs/hosts.md. Started by `star host` or workers/host.ts.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { HOST_NAME, HOST_NAME_RULE, hostTaskQueue } from '../contracts/task-queues';
import { describeTarget, type TemporalTarget } from '../connection/temporal';
import { stateDir } from '../connection/state-dir';
import { createHostActivities } from '../activities/host-activities';
import { hostInferenceServers, killRunningTrainers, type HostSettings, type InferenceServers } from '../host';
import { BadInputError } from '../core/errors';
import { runUntilSignalled, startPolling } from './start-up';
import { workerSettingsFromEnv } from './worker-env';

/** How the host worker is started: `star host`, or `npx tsx workers/host.ts` where the CLI is not installed. */
export function hostWorkerUsage(command: string): string {
  return (
    `usage: ${command} --host NAME [--workdir DIR] [--kill-grace-seconds N] [--state-dir DIR] [--rendezvous-addr ADDR] [--quiet]\n` +
    "  --host NAME              this host's name, as listed in the experiment option hosts (task queue star-host-NAME)\n" +
    '  --workdir DIR            where the training command runs (e.g. the STaR checkout with device_train.py); default: here\n' +
    '  --kill-grace-seconds N   between SIGTERM and SIGKILL when a trainer is stopped (default 30)\n' +
    '  --state-dir DIR          local folder for the note of the running trainer (default $STAR_STATE_DIR or .state/)\n' +
    "  --rendezvous-addr ADDR   as host 0 of a multi-node command, the address other hosts reach for {master_addr} (default: this machine's host name)\n" +
    "  --quiet                  do not copy the trainer's output to this console (it always goes to the store)"
  );
}

export class HostWorkerUsageError extends BadInputError {
  override readonly name = 'HostWorkerUsageError';
}

export interface HostWorkerArgs {
  host: string;
  workdir: string;
  killGraceSeconds: number;
  stateDir: string;
  quiet: boolean;
  rendezvousAddr?: string;
}

export function parseHostWorkerArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  command = 'npx tsx workers/host.ts',
): HostWorkerArgs {
  const USAGE = hostWorkerUsage(command);
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        workdir: { type: 'string' },
        'kill-grace-seconds': { type: 'string' },
        'state-dir': { type: 'string' },
        'rendezvous-addr': { type: 'string' },
        quiet: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw new HostWorkerUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const host = values.host ?? env.STAR_HOST;
  if (!host) throw new HostWorkerUsageError(`--host is required (or STAR_HOST)\n${USAGE}`);
  if (!HOST_NAME.test(host)) throw new HostWorkerUsageError(`--host ${JSON.stringify(host)}: use ${HOST_NAME_RULE}`);
  const grace = Number(values['kill-grace-seconds'] ?? 30);
  if (!Number.isFinite(grace) || grace < 0)
    throw new HostWorkerUsageError(`--kill-grace-seconds must be a number of seconds >= 0, got ${values['kill-grace-seconds']}`);
  const rendezvousAddr = values['rendezvous-addr'];
  if (rendezvousAddr !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(rendezvousAddr))
    throw new HostWorkerUsageError(`--rendezvous-addr ${JSON.stringify(rendezvousAddr)}: give a host name or IP address, e.g. 10.0.0.10`);
  return {
    host,
    workdir: resolve(values.workdir ?? process.cwd()),
    killGraceSeconds: grace,
    stateDir: resolve(values['state-dir'] ?? stateDir(env)),
    quiet: values.quiet ?? false,
    ...(rendezvousAddr ? { rendezvousAddr } : {}),
  };
}

export function hostSettings(args: HostWorkerArgs, env: NodeJS.ProcessEnv = process.env): HostSettings {
  return {
    host: args.host,
    workdir: args.workdir,
    stateDir: args.stateDir,
    killGraceMs: args.killGraceSeconds * 1000,
    logFlushMs: 5000,
    env,
    say: (message) => console.log(`${new Date().toISOString()} ${message}`),
    echo: !args.quiet,
    ...(args.rendezvousAddr ? { rendezvousAddr: args.rendezvousAddr } : {}),
  };
}

/**
 * A worker on `star-host-{host}` with `trainOnHost` and, for `serveCommandTemplate`, the generation
 * and eval shards; one activity at a time (one trainer or one server holds the host's accelerators).
 */
export function createHostWorker(
  connection: NativeConnection,
  namespace: string,
  settings: HostSettings,
  servers?: InferenceServers,
  shardDeps?: Partial<ActivityDeps>,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue: hostTaskQueue(settings.host),
    identity: `host ${settings.host} ${process.pid}@${hostname()}`,
    activities: createHostActivities(settings, servers, shardDeps),
    // One host, one trainer: a second attempt waits in the queue instead of fighting for the accelerators.
    maxConcurrentActivityTaskExecutions: 1,
  });
}

/**
 * Runs the host worker until SIGINT or SIGTERM. Whatever ends the process, no trainer or server it
 * started is left running (SIGKILL is covered by the notes in the state folder: the next worker on
 * this host stops the leftovers first).
 */
export async function runHostWorker(args: HostWorkerArgs, target: TemporalTarget, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Checked before connecting: a bad value fails at once, naming the variable.
  const chunkSize = workerSettingsFromEnv(env).chunkSize;
  const settings = hostSettings(args, env);
  const servers = hostInferenceServers(settings);
  const running = await startPolling({
    target,
    create: async (connection) => {
      // A server left by a worker that was killed before it could stop it.
      await servers.stopLeftover();
      return createHostWorker(connection, target.namespace, settings, servers, chunkSize ? { chunkSize } : undefined);
    },
    cleanUp: () => servers.stopAll(),
  });
  process.once('exit', () => {
    killRunningTrainers();
    servers.killNow();
  });
  console.log(
    `star host worker ${args.host} on ${describeTarget(target)}, task queue ${hostTaskQueue(args.host)}, workdir ${args.workdir}`,
  );
  await runUntilSignalled(running);
}
