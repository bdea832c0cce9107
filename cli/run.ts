import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ExperimentProgress } from '../contracts/messages';
import type { ExperimentResult } from '../workflows/star-experiment';
import { inputFlags, noPositionals, parseCommandArgs } from './args';
import { connectClient, temporalTargetFromEnv } from '../connection/temporal';
import { activityDetail } from './activity-detail';
import { devServerPortFromEnv, startOrReuseDevServer } from './dev-server';
import {
  closedStateAdvice,
  describeWhere,
  EXPERIMENT_TASK_QUEUE,
  ignoredOptionsNote,
  queryProgress,
  startOrAttach,
} from './experiment-client';
import { resolveExperimentInput } from './experiment-input';
import { maskConsoleOutput } from './output-mask';
import { checkStorageRoot } from './storage-check';
import { withClientStorageRoot } from './storage-root';
import { checkTaskFile } from './task-file-check';
import { checkLocalBaseModel } from './base-model-check';
import { LiveView } from './live-view';
import { clock, metricsTable, tableRows } from './progress-view';
import { RunReport } from './run-report';
import { RunSession } from './run-session';
import { ServerWatch } from './server-watch';
import { stateDir } from '../connection/state-dir';
import { initBackend } from '../model';
import { startExperimentWorker } from '../workers/experiment-worker';
import { logWorkerToFile } from './worker-log';

const USAGE = 'star run [--preset NAME | --input FILE] [--set key=value ...] [--headless] [--task-queue NAME]';
const POLL_MS = 1000;

const HELP = `usage: ${USAGE}

Runs an experiment on this machine and shows its progress: a bar per phase of the running iteration
and a table row per finished iteration (kept, rationalized, steps, dev accuracy per class).
Without TEMPORAL_ADDRESS it starts a local Temporal dev server (state in .state/, Web UI on; --headless
turns the UI off) or reuses the one already running; it starts a worker in this process and starts
the experiment (workflow ID = experiment name) or attaches to it if it is running.
Ctrl-C stops the worker and the dev server; the experiment stays resumable: run the same command again.

  --preset NAME   a file in configs/presets/ (default arithmetic-demo)
  --input FILE    an experiment input JSON file
  --set k=v       override an option by its camelCase reference name (nIters, steadyGrow, ...)`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...inputFlags, headless: { type: 'boolean' }, 'task-queue': { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  noPositionals(positionals, USAGE);
  const resolved = resolveExperimentInput({ preset: values.preset, input: values.input, sets: values.set });
  const { source, secrets } = resolved;
  maskConsoleOutput(secrets);
  const options = withClientStorageRoot(resolved.options);
  const experiment = options.experiment;
  checkLocalBaseModel(options);
  await checkStorageRoot(options);
  await checkTaskFile(options);
  const taskQueue = values['task-queue'] ?? EXPERIMENT_TASK_QUEUE;
  const session = new RunSession();

  try {
    let target = temporalTargetFromEnv();
    if (!target) {
      console.log(`Local Temporal dev server (state in ${stateDir()}): starting it, or reusing the one running...`);
      session.server = await startOrReuseDevServer({ stateDir: stateDir(), headless: values.headless, port: devServerPortFromEnv() });
      session.server.use();
      target = { address: session.server.address, namespace: session.server.namespace };
      const how = session.server.reused ? 'Reusing the running' : 'Started the';
      console.log(`${how} Temporal dev server at ${session.server.address} (pid ${session.server.pid}, log ${session.server.logFile}).`);
      if (session.server.uiUrl) console.log(`Web UI: ${session.server.uiUrl}/namespaces/default/workflows/${experiment}`);
    }
    if (session.interrupted) return 130;

    session.client = await connectClient(target);
    const outcome = await startOrAttach(session.client, options, taskQueue);
    if (outcome.mode === 'closed') {
      console.log(closedStateAdvice(experiment, outcome.state));
      if (outcome.state.kind === 'completed') {
        await printFinalTable(outcome.handle);
        const page = await new RunReport(options.storageRoot, experiment, (message) => console.log(message)).final();
        if (page) console.log(`Report: ${page}`);
      }
      return outcome.state.kind === 'completed' ? 0 : 1;
    }
    const where = `on ${describeWhere(target)}, task queue ${taskQueue}`;
    if (outcome.mode === 'attached') {
      console.log(`Experiment ${experiment} is already running ${where}: attaching (it keeps the options it was started with).`);
      const note = ignoredOptionsNote(experiment, outcome.ignored);
      if (note) console.error(note);
    } else if (outcome.mode === 'continued') {
      console.log(
        `Experiment ${experiment} had completed ${outcome.completedIterations} iterations; continuing up to nIters ${options.nIters} ${where} (finished steps are reused).`,
      );
    } else {
      console.log(`Started experiment ${experiment} (${source}) ${where}.`);
    }

    const workerLog = join(stateDir(), 'worker.log');
    logWorkerToFile(workerLog);
    console.log(`Starting a worker in this process (log ${workerLog}). Ctrl-C stops it; the next \`star run\` resumes the experiment.`);
    // Which backend the embedded model runs on (tensorflow, else wasm, else cpu) decides its speed.
    await initBackend((line) => console.log(line));
    session.worker = await startExperimentWorker({ target, taskQueue });
    if (session.interrupted) return 130;
    return await watch(session, outcome.handle, experiment, options.storageRoot, target.address, values.headless);
  } finally {
    await session.close();
  }
}

type Settled = { ok: true; result: ExperimentResult } | { ok: false; error: unknown };

async function watch(
  session: RunSession,
  handle: WorkflowHandle,
  experiment: string,
  storageRoot: string,
  address: string,
  headless?: boolean,
): Promise<number> {
  // The final result call must be abandoned before the connection closes, or a retry of it fires on
  // the closed channel.
  const stopWaiting = new AbortController();
  try {
    return await watchUntilDone(session, handle, experiment, storageRoot, stopWaiting.signal, address, headless);
  } finally {
    stopWaiting.abort();
  }
}

/**
 * The experiment's result once its latest run has closed, else undefined. Why not one long
 * `handle.result()` for the whole run: its long polls (one per continue-as-new run and per poll
 * timeout) each left an abort listener on the signal, so a run of days leaked them (Node warned at
 * 11). A describe per poll costs one small call.
 */
async function resultIfClosed(
  client: NonNullable<RunSession['client']>,
  handle: WorkflowHandle,
  signal: AbortSignal,
): Promise<Settled | undefined> {
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch {
    return undefined; // the server is briefly unreachable: the next poll asks again
  }
  // The handle names no run, so describe sees the latest; CONTINUED_AS_NEW only in the instant before
  // the next run shows, and result() would then block until the whole experiment ends.
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') return undefined;
  return client
    .withAbortSignal(signal, () => handle.result())
    .then(
      (value: ExperimentResult): Settled => ({ ok: true, result: value }),
      (error: unknown): Settled => ({ ok: false, error }),
    );
}

async function watchUntilDone(
  session: RunSession,
  handle: WorkflowHandle,
  experiment: string,
  storageRoot: string,
  signal: AbortSignal,
  address: string,
  headless?: boolean,
): Promise<number> {
  const client = session.client!;
  const view = new LiveView();
  const report = new RunReport(storageRoot, experiment, (message) => view.log(message));
  const serverWatch = new ServerWatch(session, client, address, (message) => view.log(message), headless);
  const started = Date.now();
  let settled: Settled | undefined;
  let workerError: unknown;
  const workerDied = session.worker!.done.then(
    () => undefined,
    (error: unknown) => (workerError = error ?? new Error('the worker stopped')),
  );

  let last: ExperimentProgress | undefined;
  while (!settled && !session.interrupted && workerError === undefined) {
    await serverWatch.check();
    const progress = await queryProgress(client, experiment, 5000);
    if (progress) {
      last = progress;
      view.update(progress, await activityDetail(client, experiment, progress));
      report.refreshIfBehind(progress.metrics.length);
    }
    settled = await resultIfClosed(client, handle, signal);
    if (settled) break;
    await Promise.race([sleep(POLL_MS), session.interruption, workerDied]);
  }
  view.close();

  if (session.interrupted) {
    const where = last ? ` (iteration ${last.iteration}, ${last.phase})` : '';
    console.log(`Stopped watching ${experiment}${where}; it is saved on the server. Run the same \`star run\` again to resume it.`);
    return 130;
  }
  if (!settled) {
    console.error(`The worker stopped: ${(workerError as Error)?.message ?? String(workerError)}`);
    return 1;
  }
  const final: Settled = settled;
  if (!final.ok) {
    const reason =
      final.error instanceof WorkflowFailedError ? (final.error.cause?.message ?? final.error.message) : (final.error as Error).message;
    console.error(`Experiment ${experiment} failed: ${reason}`);
    // A failure that names its cure (a resume, or a redo that a resume cannot replace) needs no more.
    if (!reason.includes('star resume') && !reason.includes('star redo')) {
      console.error(
        `Fix the cause, then \`star resume ${experiment}\` continues from just before the failed step (completed steps are kept).`,
      );
    }
    return 1;
  }
  const res = final.result;
  if (res.outcome === 'dry-run') {
    console.log(`Dry run of ${experiment}: nothing ran. Plan:\n${JSON.stringify(res.plan, null, 2)}`);
    return 0;
  }
  console.log(
    `\nExperiment ${experiment} ${res.outcome} after ${res.iterations} iteration${res.iterations === 1 ? '' : 's'} in ${clock((Date.now() - started) / 1000)}.`,
  );
  const table = metricsTable(tableRows(res));
  if (table.length > 0) console.log(table.join('\n'));
  console.log(`Last model: ${res.lastCheckpointUri}`);
  const page = await report.final();
  if (page) console.log(`Report: ${page} (\`star report ${experiment} --open\` opens it)`);
  return 0;
}

async function printFinalTable(handle: WorkflowHandle): Promise<void> {
  const result = (await handle.result()) as ExperimentResult;
  if (result.outcome === 'dry-run') return;
  const table = metricsTable(tableRows(result));
  if (table.length > 0) console.log(table.join('\n'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
