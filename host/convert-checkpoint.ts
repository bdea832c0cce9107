/**
 * Runs the conversion command (host/convert-command.ts) on the trained checkpoint, its output appended
 * to the host's training log; returns the converted folder. Bad templates and usage errors (status 2)
 * fail non-retryably; any other failure is retried by the activity, and a retry whose conversion had
 * finished (its marker exists) returns at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { exists, localPathOf, schemeOf, writeBytes } from '../storage';
import { CommandTemplateError, UnsetVariableError, withEnvironment, type ResolvedCommand } from '../core/command-line';
import { convertedCheckpointUri, expandConvertCommand } from '../contracts/convert-command';
import { OutputLog } from './output-log';
import { CommandNotFoundError, resolveProgram } from './resolve-command';
import { TrainerProcess } from './trainer-process';

export interface ConvertRequest {
  template: string;
  checkpointUri: string;
  configUri: string;
  modelDir: string;
  iteration: number;
  totalSteps: number;
  logUri: string;
}

export interface ConvertSettings {
  workdir: string;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  say: (message: string) => void;
}

/** Converts `request.checkpointUri`; its output is appended to the host's training log. */
export async function convertCheckpoint(
  settings: ConvertSettings,
  request: ConvertRequest,
  heartbeat: () => void,
  cancelled: Promise<never>,
): Promise<string> {
  const output = convertedCheckpointUri(request.modelDir, request.totalSteps);
  if (await conversionDone(output)) return output;
  const log = new OutputLog({ uri: request.logUri, flushMs: 5000, warn: settings.say });
  await log.open(`=== ${new Date().toISOString()} converting ${request.checkpointUri} into ${output}`);
  try {
    await runConverter(settings, request, output, log, heartbeat, cancelled);
  } catch (err) {
    log.append(`=== ${new Date().toISOString()} conversion failed: ${(err as Error).message.split('\n')[0]}`);
    throw err;
  } finally {
    await log.close();
  }
  return output;
}

async function runConverter(
  settings: ConvertSettings,
  request: ConvertRequest,
  output: string,
  log: OutputLog,
  heartbeat: () => void,
  cancelled: Promise<never>,
): Promise<void> {
  let command: ResolvedCommand;
  let program: string;
  try {
    const words = expandConvertCommand(request.template, {
      checkpoint: asArgument(request.checkpointUri),
      output: asArgument(output),
      config: asArgument(request.configUri),
      iteration: request.iteration,
      total_steps: request.totalSteps,
    });
    command = withEnvironment(words, settings.env);
    program = resolveProgram(command.argv[0] as string, settings.workdir, settings.env);
  } catch (err) {
    if (err instanceof CommandTemplateError || err instanceof CommandNotFoundError || err instanceof UnsetVariableError) {
      throw ApplicationFailure.create({
        type: 'ConvertCommandInvalid',
        nonRetryable: true,
        message: `convertCommandTemplate: ${err.message}`,
      });
    }
    throw err;
  }
  log.append(`=== ${command.shown.map((a) => JSON.stringify(a)).join(' ')}`);
  let converter: TrainerProcess;
  try {
    converter = await TrainerProcess.start({
      argv: [program, ...command.argv.slice(1)],
      cwd: settings.workdir,
      env: settings.env,
      onLine: (line) => log.append(command.mask(line)),
    });
  } catch (err) {
    throw ApplicationFailure.create({
      type: 'ConvertCommandInvalid',
      nonRetryable: true,
      message: `could not start the convert command ${program}: ${(err as Error).message}`,
    });
  }
  settings.say(
    `iteration ${request.iteration}: converting ${request.checkpointUri} with ${command.shown[0]} (process group ${converter.pid})`,
  );
  const beat = setInterval(heartbeat, 5000);
  try {
    const exit = await Promise.race([converter.exited, cancelled]);
    if (exit.code !== 0) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
      throw ApplicationFailure.create({
        type: exit.code === 2 ? 'ConvertUsageError' : 'ConvertFailed',
        nonRetryable: exit.code === 2,
        message: `the convert command ${how} converting ${request.checkpointUri}; check the experiment option convertCommandTemplate; see ${request.logUri}. Last output:\n${log.lastLines(15).join('\n')}`,
      });
    }
  } catch (err) {
    if (converter.running) await converter.stop(settings.killGraceMs);
    throw err;
  } finally {
    clearInterval(beat);
  }
  await markConversionDone(output, request.checkpointUri);
  log.append(`=== ${new Date().toISOString()} converted into ${output}`);
}

function asArgument(uri: string): string {
  return schemeOf(uri) === 'file' ? localPathOf(uri) : uri;
}

function markerUri(convertedUri: string): string {
  return `${convertedUri.replace(/\/+$/, '')}.done.json`;
}

/** Whether an earlier attempt finished converting into `convertedUri`. */
function conversionDone(convertedUri: string): Promise<boolean> {
  return exists(markerUri(convertedUri));
}

async function markConversionDone(convertedUri: string, from: string): Promise<void> {
  await writeBytes(markerUri(convertedUri), `${JSON.stringify({ from, at: new Date().toISOString() })}\n`);
}
