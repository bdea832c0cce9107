import { parseCommandArgs, onePositional } from './args';
import { UsageError } from './errors';
import { REDO_STEPS, redoStep, type RedoStep } from './redo-step';
import { withExperiment } from './with-experiment';

const USAGE = `star redo <experiment> --iteration N --step ${REDO_STEPS.join('|')} [--force]`;

/**
 * Runs a finished step again, and the rest of its iteration: for a lost or damaged output (a deleted
 * records file) that `star resume` cannot bring back, since resume reuses every finished step.
 */
export async function redoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { iteration: { type: 'string' }, step: { type: 'string' }, force: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\n` +
        'Runs a finished step of an iteration again, and the steps after it in that iteration: it deletes their\n' +
        'completion manifests (and the shard chunks and checkpoints a retry would continue from), then resets the\n' +
        'run of that iteration to just before the step. Steps before it, and later iterations, are not redone\n' +
        '(later iterations find their own manifests). Works on a completed, failed or stopped experiment; a running\n' +
        'one is refused unless --force (its step in flight is then abandoned). A worker must be running\n' +
        '(`star worker`, or `star run`).',
    );
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  const iteration = Number(values.iteration);
  if (values.iteration === undefined || !Number.isInteger(iteration) || iteration < 1) {
    throw new UsageError(`--iteration must be an iteration number (1 or more), got ${values.iteration ?? 'nothing'}\nusage: ${USAGE}`);
  }
  const step = values.step as RedoStep | undefined;
  if (step === undefined || !REDO_STEPS.includes(step)) {
    throw new UsageError(`--step must be one of ${REDO_STEPS.join(', ')}, got ${values.step ?? 'nothing'}\nusage: ${USAGE}`);
  }
  return withExperiment(experiment, { mustRun: false }, async ({ client, state }) => {
    if (state.kind === 'running' && !values.force) {
      console.error(
        `Experiment ${experiment} is running. Redoing a step resets it, abandoning the step in flight: ` +
          `stop it first (\`star stop ${experiment}\`, then wait until it completes), or pass --force to reset it now.`,
      );
      return 1;
    }
    const outcome = await redoStep(client, experiment, iteration, step);
    const what =
      outcome.dropped.length === 0
        ? 'nothing was stored for it'
        : outcome.dropped.map((d) => (d.uri.endsWith('/') ? `${d.uri} (${d.files} file${d.files === 1 ? '' : 's'})` : d.uri)).join('\n  ');
    console.log(`Dropped, so the steps really run again:\n  ${what}`);
    console.log(
      `Redoing iteration ${iteration} of ${experiment} from its ${step} step (${outcome.activityType}, scheduled at event ${outcome.scheduledEventId}): ` +
        `reset run ${outcome.runId} to event ${outcome.resetEventId}; new run ${outcome.newRunId}.`,
    );
    console.log(
      `It runs as soon as a worker polls (\`star worker\`, or \`star run\` with this experiment). Watch: star status ${experiment}`,
    );
    return 0;
  });
}
