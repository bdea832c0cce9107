import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { setNItersUpdate } from '../contracts/messages';
import { parseCommandArgs } from './args';
import { UsageError } from './errors';
import { withExperiment } from './with-experiment';

const USAGE = 'star extend <experiment> <nIters>';
const ANSWER_SECONDS = 20;

/**
 * True when the update call ended before any worker answered: the server still holds the update. The
 * SDK reports our deadline as DEADLINE_EXCEEDED or CANCELLED (the CI machine saw "Call cancelled"),
 * both as WorkflowUpdateRPCTimeoutOrCancelledError; Ctrl-C ends the process, so nothing else cancels it.
 */
export function isUpdatePending(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const text = `${(err as Error)?.message ?? ''} ${(err as { cause?: Error })?.cause?.message ?? ''}`;
  return /deadline/i.test(text) || (err as { code?: number })?.code === 4;
}

/** Changes a running experiment's nIters (the setNIters update); the workflow refuses values below the running iteration + 1. */
export async function extendCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, USAGE);
  if (values.help) {
    console.log(
      `usage: ${USAGE}\n\nSets the loop's upper bound of a running experiment (iterations 1..nIters-1 run); it cannot go below the running iteration + 1.`,
    );
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected an experiment name and a number\nusage: ${USAGE}`);
  const [experiment, text] = positionals;
  const nIters = Number(text);
  if (!Number.isInteger(nIters)) throw new UsageError(`nIters ${text}: expected a whole number\nusage: ${USAGE}`);
  return withExperiment(experiment, { mustRun: true }, async ({ client }) => {
    try {
      // An update is answered by a worker; without one it would wait forever.
      const result = await client.connection.withDeadline(Date.now() + ANSWER_SECONDS * 1000, () =>
        client.workflow.getHandle(experiment).executeUpdate(setNItersUpdate, { args: [nIters] }),
      );
      console.log(`${experiment}: nIters ${result.previous} -> ${result.nIters} (iterations 1..${result.nIters - 1}).`);
      return 0;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        console.error(`Refused: ${err.cause?.message ?? err.message}`);
        return 2;
      }
      if (isUpdatePending(err)) {
        // The server keeps the update and hands it to the next worker that runs the experiment, which
        // checks it then: saying "failed, try again" here made people send it twice.
        console.log(
          `${experiment}: nIters ${nIters} was sent but no worker has answered within ${ANSWER_SECONDS}s, so it is pending: the server holds it ` +
            'and the next worker that runs this experiment checks and applies it (or refuses it, if the running iteration is past it by then; ' +
            `it is lost if the server restarts first). Start a worker (\`star worker\`, or \`star run\` with this experiment); \`star status ${experiment}\` shows nIters once applied. Do not send it again.`,
        );
        return 0;
      }
      throw err;
    }
  });
}
