/**
 * The `trainOnHost` activity: runs the iteration's training command on this host and reports its step.
 *
 * 1. A complete final checkpoint (`step_{total_steps}`) means an earlier attempt finished: return it.
 * 2. Bad input (invalid fields, a missing config or base checkpoint, an unknown placeholder, a program
 *    that is not installed) fails non-retryably, naming what to fix.
 * 3. Otherwise the command runs as an argument vector in its own process group; its output goes to the
 *    log URI; the step parsed from it is heartbeated. Host 0 of a command with a rendezvous checks
 *    first that it can listen on the port (host/rendezvous.ts).
 * 4. Cancellation (the workflow's, or the worker shutting down) stops the whole group, then rethrows.
 * 5. Exit status 2 (a usage error, for argparse and model/train-cli.ts alike) is bad input, also when
 *    torchrun reports it of a rank (host/launcher-report.ts); any other failure is retried, and a
 *    retry starts by checking for the final checkpoint again.
 * 6. With `convertCommandTemplate`, the host holding the final checkpoint converts it
 *    (host/convert-checkpoint.ts) and returns the converted folder instead.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { asActivity } from '../activity-context/failures';
import { BadInputError } from '../core/errors';
import type { TrainingProgress } from '../contracts/heartbeats';
import type { TrainOnHostInput, TrainOnHostResult } from '../contracts/activities';
import { exists, localPathOf, schemeOf } from '../storage';
import { expandCommand, type CommandValues } from '../contracts/command-templates';
import { withEnvironment } from '../core/command-line';
import { convertCheckpoint } from './convert-checkpoint';
import { completedCheckpoint, finalCheckpointUri } from './final-checkpoint';
import { parseTrainOnHostInput } from './input';
import { OutputLog } from './output-log';
import { resolveProgram } from './resolve-command';
import { checkRendezvousPort, rendezvousPortFailure, saysPortInUse } from './rendezvous';
import { LauncherReport } from './launcher-report';
import { RunningTrainerFile } from './running-trainer';
import { StepTracker } from '../core/step-parser';
import { copyTrainingIndex, trainingIndexPath } from './training-index';
import { stopProcessGroup } from '../processes/process-group';
import { TrainerProcess, type TrainerExit } from './trainer-process';

export interface HostSettings {
  /** The name this worker serves (`star-host-{host}`); an input for another host is refused. */
  host: string;
  /** Working directory of the command (where `device_train.py` is). */
  workdir: string;
  /** Where the note of the running trainer is kept (local disk). */
  stateDir: string;
  /** Between SIGTERM and SIGKILL when the trainer is stopped. */
  killGraceMs: number;
  /** How often the log is rewritten in the store while output arrives. */
  logFlushMs: number;
  env: NodeJS.ProcessEnv;
  /** Operator messages (the worker's console). */
  say: (message: string) => void;
  /** Also print the trainer's output lines on the worker's console. */
  echo: boolean;
  /** The address other hosts reach this one at, published as `{master_addr}` when it is host 0; its host name when unset. */
  rendezvousAddr?: string;
}

/** Trainers running in this process, so a dying worker can take them down with it. */
const running = new Set<TrainerProcess>();

export function killRunningTrainers(): void {
  for (const trainer of running) trainer.killNow();
}

export function trainOnHost(settings: HostSettings, raw: TrainOnHostInput): Promise<TrainOnHostResult> {
  // Storage errors that retrying cannot fix (a missing bucket, no permission) fail at once.
  return asActivity(`training on host ${settings.host}`, () => run(settings, raw));
}

async function run(settings: HostSettings, raw: TrainOnHostInput): Promise<TrainOnHostResult> {
  const input = checked(() => parseTrainOnHostInput(raw));
  const trained = await train(settings, input);
  if (!input.convertCommandTemplate || !trained.checkpointUri) return trained;
  const ctx = Context.current();
  const progress: TrainingProgress = { kind: 'training', step: trained.step, totalSteps: input.totalSteps, host: input.host };
  const converted = await convertCheckpoint(
    settings,
    {
      template: input.convertCommandTemplate,
      checkpointUri: trained.checkpointUri,
      configUri: input.configUri,
      modelDir: input.modelDir,
      iteration: input.iteration,
      totalSteps: input.totalSteps,
      logUri: input.logUri,
    },
    () => ctx.heartbeat(progress),
    ctx.cancelled,
  );
  return { ...trained, checkpointUri: converted };
}

async function train(settings: HostSettings, input: TrainOnHostInput): Promise<TrainOnHostResult> {
  const ctx = Context.current();
  if (input.host !== settings.host) {
    throw hostBadInputFailure(
      `this worker serves host ${settings.host} but was given the input of host ${input.host}; start \`star host --host ${input.host}\` on that host`,
    );
  }
  const { totalSteps, modelDir } = input;
  const progress: TrainingProgress = { kind: 'training', step: 0, totalSteps, host: input.host };
  ctx.heartbeat(progress);
  const attempt = ctx.info.attempt;
  const log = new OutputLog({ uri: input.logUri, flushMs: settings.logFlushMs, warn: settings.say });

  const done = await completedCheckpoint(modelDir, totalSteps);
  if (done) {
    const checkpointUri = finalCheckpointUri(modelDir, totalSteps);
    await log.open(
      `=== ${new Date().toISOString()} host ${input.host}, attempt ${attempt}: the final checkpoint ${checkpointUri} is complete (${done}); nothing to run`,
    );
    await log.close();
    settings.say(`iteration ${input.iteration}: ${checkpointUri} is already complete; not training again`);
    ctx.heartbeat({ ...progress, step: totalSteps });
    return { host: input.host, checkpointUri, step: totalSteps };
  }

  await requireExists(input.configUri, 'the iteration config (configUri)');
  await requireExists(input.baseCheckpointUri, 'the base checkpoint (baseCheckpointUri, the experiment option baseModelLocation)');
  await requireExists(input.indexUri, 'the records index (indexUri)');
  const trainIndex = checked(() => trainingIndexPath(settings.workdir, input.trainSet));
  const command = checked(() =>
    withEnvironment(expandCommand(input.commandTemplate, commandValues(input, trainIndex)), settings.env, `host ${input.host}`),
  );
  const { argv } = command;
  const program = checked(() => resolveProgram(argv[0] as string, settings.workdir, settings.env));

  const note = new RunningTrainerFile(settings.stateDir, input.host);
  const leftover = note.leftover();
  if (leftover) {
    settings.say(
      `stopping trainer process group ${leftover.pgid} (${leftover.program}, started ${leftover.startedAt}) left by an earlier worker`,
    );
    await stopProcessGroup(leftover.pgid, settings.killGraceMs);
    note.clear();
  }

  // After the leftover trainer is stopped: it may still be reading the old copy, or holding the port.
  await copyTrainingIndex(input.indexUri, settings.workdir, input.trainSet);
  // Host 0's launcher listens on the rendezvous port; the others only connect to it.
  if (input.rendezvous && input.hostIndex === 0) await checkRendezvousPort(input.rendezvous, input.host);

  await log.open(
    `=== ${new Date().toISOString()} host ${input.host} (${input.hostIndex + 1} of ${input.hostCount}), iteration ${input.iteration}, attempt ${attempt}\n` +
      `=== cwd ${settings.workdir}, index ${input.indexUri} copied to ${trainIndex}\n=== ${command.shown.map((a) => JSON.stringify(a)).join(' ')}`,
  );
  const steps = new StepTracker(totalSteps);
  let portInUse = false;
  const launcher = new LauncherReport();
  let trainer: TrainerProcess;
  try {
    trainer = await TrainerProcess.start({
      argv: [program, ...argv.slice(1)],
      cwd: settings.workdir,
      env: settings.env,
      onLine: (output) => {
        // A trainer that prints its arguments or environment must not put a ${NAME} value into storage.
        const line = command.mask(output);
        log.append(line);
        if (settings.echo) settings.say(`[${input.host}] ${line}`);
        if (input.rendezvous && input.hostIndex === 0 && saysPortInUse(line)) portInUse = true;
        launcher.see(line);
        if (steps.see(line)) ctx.heartbeat({ ...progress, step: steps.step, loss: steps.loss });
      },
    });
  } catch (err) {
    log.append(`=== could not start ${program}: ${command.mask((err as Error).message)}`);
    await log.close();
    throw hostBadInputFailure(`could not start the training command ${program}: ${command.mask((err as Error).message)}`);
  }
  running.add(trainer);
  note.record(trainer.pid, program);
  settings.say(`iteration ${input.iteration}: started ${command.shown[0]} (process group ${trainer.pid}), output in ${input.logUri}`);

  // Heartbeats also while the trainer is quiet (compiling, loading a 6B checkpoint), or the workflow
  // would take the silence for a dead host. The SDK throttles them, so the interval can be short.
  const every = Math.max(1000, Math.min(10_000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
  const beat = setInterval(() => ctx.heartbeat({ ...progress, step: steps.step, loss: steps.loss }), every);
  let exit: TrainerExit;
  try {
    exit = await Promise.race([trainer.exited, ctx.cancelled]);
  } catch (err) {
    const reason = err instanceof CancelledFailure ? err.message : String(err);
    log.append(`=== ${new Date().toISOString()} cancelled (${reason}): stopping process group ${trainer.pid}`);
    settings.say(`iteration ${input.iteration}: cancelled (${reason}); stopping process group ${trainer.pid}`);
    await trainer.stop(settings.killGraceMs);
    log.append(`=== process group ${trainer.pid} stopped`);
    throw err;
  } finally {
    clearInterval(beat);
    if (!trainer.running) {
      running.delete(trainer);
      note.clear();
    }
    await log.close();
  }
  if (portInUse && exit.code !== 0 && input.rendezvous) {
    throw rendezvousPortFailure(input.rendezvous, input.host, `its launcher reported EADDRINUSE; see ${input.logUri}`);
  }
  return finished(input, exit, steps, log, launcher);
}

async function finished(
  input: TrainOnHostInput,
  exit: TrainerExit,
  steps: StepTracker,
  log: OutputLog,
  launcher: LauncherReport,
): Promise<TrainOnHostResult> {
  const rankUsageError = exit.code !== 0 && exit.code !== 2 && launcher.rootCauseExit === 2;
  const how = exit.signal
    ? `was killed by ${exit.signal}`
    : `exited with status ${exit.code}${rankUsageError ? ' (its launcher reports a rank that exited with status 2)' : ''}`;
  const tail = log.lastLines(15).join('\n');
  if (exit.code === 0) {
    const checkpointUri = finalCheckpointUri(input.modelDir, input.totalSteps);
    if (await completedCheckpoint(input.modelDir, input.totalSteps)) return { host: input.host, checkpointUri, step: input.totalSteps };
    // In a multi-host run one host may write the checkpoint; the first host is the one that must see it.
    if (input.hostIndex > 0) return { host: input.host, step: steps.step };
    throw ApplicationFailure.create({
      type: 'TrainerWroteNoCheckpoint',
      message: `the training command exited with status 0 at step ${steps.step} but ${checkpointUri} is not complete (no manifest.json, no meta.json entry); see ${input.logUri}. Last output:\n${tail}`,
    });
  }
  if (exit.code === 2 || rankUsageError) {
    throw ApplicationFailure.create({
      type: 'TrainerUsageError',
      nonRetryable: true,
      message: `the training command ${how} (a usage error: check the experiment option commandTemplate and the config ${input.configUri}); see ${input.logUri}. Last output:\n${tail}`,
    });
  }
  throw ApplicationFailure.create({
    type: 'TrainerFailed',
    message: `the training command ${how} at step ${steps.step} of ${input.totalSteps}; see ${input.logUri}. Last output:\n${tail}`,
  });
}

/** Placeholder values: local URIs become plain paths, because trainers take paths. */
function commandValues(input: TrainOnHostInput, trainIndex: string): CommandValues {
  return {
    config: asArgument(input.configUri),
    base_model: asArgument(input.baseCheckpointUri),
    model_dir: asArgument(input.modelDir),
    train_index: trainIndex,
    total_steps: input.totalSteps,
    iteration: input.iteration,
    host: input.host,
    host_index: input.hostIndex,
    host_count: input.hostCount,
    ...(input.rendezvous ? { master_addr: input.rendezvous.addr, master_port: input.rendezvous.port } : {}),
    ...(input.nprocPerNode !== undefined ? { nproc_per_node: input.nprocPerNode } : {}),
  };
}

function asArgument(uri: string): string {
  return schemeOf(uri) === 'file' ? localPathOf(uri) : uri;
}

async function requireExists(uri: string, what: string): Promise<void> {
  let found: boolean;
  try {
    found = await exists(uri.replace(/\/+$/, ''));
  } catch (err) {
    throw hostBadInputFailure(`cannot check ${what} ${uri}: ${(err as Error).message}`);
  }
  if (!found)
    throw hostBadInputFailure(
      `${what} ${uri} does not exist; it must be readable from host machines (use a gs:// storage root across machines)`,
    );
}

function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BadInputError) throw hostBadInputFailure(err.message);
    throw err;
  }
}

/** A non-retryable failure of the host's training (a wrong input fails the same way on every attempt). */
function hostBadInputFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'HostBadInput', nonRetryable: true, message });
}
