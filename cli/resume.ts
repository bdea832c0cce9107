import { NothingToResumeError, resetToFailedStep } from './reset';
import { onePositional, parseCommandArgs } from './args';
import { withExperiment } from './with-experiment';

const USAGE = 'star resume <experiment>';

/**
 * Resumes a failed (or terminated, timed-out) experiment after its cause is fixed: the failed run is
 * reset to just before its failed step, so the steps that completed are replayed, not redone.
 */
export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nResets the experiment's failed run to just before the step that failed (fix the cause first,\n` +
        'e.g. restore the missing file). Completed steps are not redone. A worker must be running (`star worker`, or `star run`).\n' +
        'The Temporal CLI does the same: temporal workflow reset --workflow-id <experiment> --event-id <id printed here>.',
    );
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  return withExperiment(experiment, { mustRun: false }, async ({ client }) => {
    try {
      const outcome = await resetToFailedStep(client, experiment);
      const step = outcome.failedActivity
        ? `before its failed step ${outcome.failedActivity.activityType} (${outcome.failedActivity.failure})`
        : 'from its last completed decision';
      console.log(
        `Resumed ${experiment} ${step}: reset run ${outcome.failedRunId} to event ${outcome.eventId}; new run ${outcome.newRunId}.`,
      );
      console.log(
        `It runs as soon as a worker polls (\`star worker\`, or \`star run\` with this experiment). Watch: star status ${experiment}`,
      );
      return 0;
    } catch (err) {
      if (err instanceof NothingToResumeError) {
        console.error(err.message);
        return 1;
      }
      throw err;
    }
  });
}
