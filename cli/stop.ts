import { stopAfterIterationSignal } from '../contracts/messages';
import { onePositional, parseCommandArgs } from './args';
import { closedStateAdvice, describeWhere, experimentState, queryProgress, resolveTarget, withClient } from './experiment-client';

const USAGE = 'star stop <experiment>';

/** Sends the stopAfterIteration signal: the running iteration finishes cleanly, then the experiment completes. */
export async function stopCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nThe running iteration finishes (train, eval, copy), then the experiment completes instead of continuing.`);
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  const target = resolveTarget();
  return withClient(target, async (client) => {
    const state = await experimentState(client, experiment);
    if (state.kind === 'absent') {
      console.error(`No experiment named ${experiment} on ${describeWhere(target)}.`);
      return 1;
    }
    if (state.kind !== 'running') {
      console.log(closedStateAdvice(experiment, state));
      return 0;
    }
    await client.workflow.getHandle(experiment).signal(stopAfterIterationSignal);
    const progress = await queryProgress(client, experiment);
    const where = progress ? ` after iteration ${progress.iteration} (now ${progress.phase})` : ' after the running iteration';
    console.log(`Asked ${experiment} to stop${where}. \`star status ${experiment}\` shows when it has.`);
    return 0;
  });
}
