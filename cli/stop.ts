import { stopAfterIterationSignal } from '../contracts/messages';
import { onePositional, parseCommandArgs } from './args';
import { queryProgress } from './experiment-client';
import { withExperiment } from './with-experiment';

const USAGE = 'star stop <experiment>';

/** Sends the stopAfterIteration signal: the running iteration finishes cleanly, then the experiment completes. */
export async function stopCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nThe running iteration finishes (train, eval, copy), then the experiment completes instead of continuing.`,
    );
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  // A closed experiment has nothing to stop: its advice, and status 0.
  return withExperiment(experiment, { mustRun: true, closedExitCode: 0 }, async ({ client }) => {
    await client.workflow.getHandle(experiment).signal(stopAfterIterationSignal);
    const progress = await queryProgress(client, experiment);
    const where = progress ? ` after iteration ${progress.iteration} (now ${progress.phase})` : ' after the running iteration';
    console.log(`Asked ${experiment} to stop${where}. \`star status ${experiment}\` shows when it has.`);
    return 0;
  });
}
