import { WorkflowUpdateFailedError } from '@temporalio/client';
import { setNItersUpdate } from '../contracts/messages';
import { parseCommandArgs } from './args';
import { UsageError } from './errors';
import { withExperiment } from './with-experiment';

const USAGE = 'star extend <experiment> <nIters>';
const ANSWER_SECONDS = 20;

function isDeadlineExceeded(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ''} ${(err as { cause?: Error })?.cause?.message ?? ''}`;
  return /deadline/i.test(text) || (err as { code?: number })?.code === 4;
}

/** Changes a running experiment's nIters (the setNIters update); the workflow refuses values below the running iteration + 1. */
export async function extendCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nSets the loop's upper bound of a running experiment (iterations 1..nIters-1 run); it cannot go below the running iteration + 1.`);
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
      if (isDeadlineExceeded(err)) {
        console.error(`No worker answered within ${ANSWER_SECONDS}s: start one (\`star worker\`, or \`star run\` with this experiment) and try again.`);
        return 1;
      }
      throw err;
    }
  });
}
