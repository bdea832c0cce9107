import { startExperimentWorker } from '../workers/experiment-worker';
import { runUntilSignalled } from '../workers/start-up';
import { noPositionals, parseCommandArgs } from './args';
import { EXPERIMENT_TASK_QUEUE, resolveTarget } from './experiment-client';

const USAGE = 'star worker [--task-queue NAME] [--bundle FILE]';

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { 'task-queue': { type: 'string' }, bundle: { type: 'string' } }, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nRuns starExperiment and its activities on the task queue (default ${EXPERIMENT_TASK_QUEUE}) until Ctrl-C.\n` +
        'Connects to TEMPORAL_ADDRESS, or to the local dev server of `star server start`. --bundle (or STAR_WORKFLOW_BUNDLE)\n' +
        'loads a workflow bundle prebuilt with `npx tsx workers/build-bundle.ts`.',
    );
    return 0;
  }
  noPositionals(positionals, USAGE);
  const running = await startExperimentWorker({
    target: resolveTarget(),
    taskQueue: values['task-queue'] ?? EXPERIMENT_TASK_QUEUE,
    workflowBundlePath: values.bundle,
  });
  console.error(`${running.readyLine}. Ctrl-C stops it; experiments wait for the next worker.`);
  await runUntilSignalled(running, () => console.error('stopping the worker...'));
  return 0;
}
