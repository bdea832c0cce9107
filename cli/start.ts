import { inputFlags, noPositionals, parseCommandArgs } from './args';
import {
  closedStateAdvice,
  describeWhere,
  EXPERIMENT_TASK_QUEUE,
  ignoredOptionsNote,
  resolveTarget,
  startOrAttach,
  withClient,
} from './experiment-client';
import { resolveExperimentInput } from './experiment-input';
import { maskConsoleOutput } from './output-mask';
import { checkStorageRoot } from './storage-check';
import { withClientStorageRoot } from './storage-root';
import { checkTaskFile } from './task-file-check';

const USAGE = 'star start [--preset NAME | --input FILE] [--set key=value ...] [--task-queue NAME]';

/** Starts an experiment on the cluster and returns; workers elsewhere (`star worker`) run it. */
export async function startCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...inputFlags, 'task-queue': { type: 'string' } }, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nStarts the experiment (workflow ID = its name) on TEMPORAL_ADDRESS (or the local dev server of\n` +
        '`star server start`) and returns. Run `star worker` somewhere to execute it; `star status <experiment>` to watch.',
    );
    return 0;
  }
  noPositionals(positionals, USAGE);
  const resolved = resolveExperimentInput({ preset: values.preset, input: values.input, sets: values.set });
  const { source, secrets } = resolved;
  maskConsoleOutput(secrets);
  const options = withClientStorageRoot(resolved.options);
  await checkStorageRoot(options);
  await checkTaskFile(options);
  const target = resolveTarget();
  const taskQueue = values['task-queue'] ?? EXPERIMENT_TASK_QUEUE;
  return withClient(target, async (client) => {
    const { mode, state, completedIterations, ignored } = await startOrAttach(client, options, taskQueue);
    if (mode === 'closed') {
      console.log(closedStateAdvice(options.experiment, state));
      return state.kind === 'completed' ? 0 : 1;
    }
    const where = `on ${describeWhere(target)}, task queue ${taskQueue}`;
    if (mode === 'attached')
      console.log(`Experiment ${options.experiment} is already running ${where} (run ${'runId' in state ? state.runId : '?'}).`);
    else if (mode === 'continued')
      console.log(
        `Continuing experiment ${options.experiment} after its ${completedIterations} finished iterations, up to nIters ${options.nIters}, ${where}.`,
      );
    else console.log(`Started experiment ${options.experiment} (${source}) ${where}.`);
    console.log(`Watch it: star status ${options.experiment}   Stop it after this iteration: star stop ${options.experiment}`);
    const note = mode === 'attached' ? ignoredOptionsNote(options.experiment, ignored) : undefined;
    if (note) {
      console.error(note);
      return 1;
    }
    return 0;
  });
}
