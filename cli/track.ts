import { z } from 'zod';
import { TRACKERS, trackingSchema, type Tracker } from '../contracts/experiment-input';
import { experimentLayout } from '../contracts/layout';
import { BadInputError } from '../core/errors';
import { exists, normaliseRoot, readText } from '../storage';
import { onePositional, parseCommandArgs } from './args';

const USAGE = 'star track <experiment> [--storage-root ROOT] [--tracking mlflow,wandb]';

const HELP = `usage: ${USAGE}

Logs an experiment's stored results to its trackers now: what the experiment's own syncs missed
(a tracker that was down when the last iterations finished), or a finished experiment run without
tracking. It logs only what each tracker lacks, so running it twice logs nothing twice. The trackers'
settings come from their environment variables (MLFLOW_TRACKING_URI, WANDB_PROJECT, WANDB_MODE, ...),
as for the worker (docs/tracking.md). No Temporal server is needed.

  --storage-root ROOT  the experiment's storageRoot (default runs, the input's default)
  --tracking LIST      the trackers, comma-separated (default: the experiment's tracking option)`;

export async function trackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { 'storage-root': { type: 'string' }, tracking: { type: 'string' } }, USAGE);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  const root = normaliseRoot(values['storage-root'] ?? 'runs');
  const trackers =
    values.tracking !== undefined ? parseTrackers(values.tracking, `--tracking ${values.tracking}`) : await trackersOf(root, experiment);
  if (trackers.length === 0) {
    throw new BadInputError(`${experiment} has no tracking option: name the trackers with --tracking ${TRACKERS.join(',')}`);
  }
  // Loaded here, as dispatch loads commands: only this command needs the report's renderer.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { syncExperimentTrackers } = require('../tracking/sync') as typeof import('../tracking/sync');
  const { runs } = await syncExperimentTrackers(
    { root, experiment, trackers },
    { workflowId: experiment, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', beat: () => undefined },
  );
  for (const [tracker, run] of Object.entries(runs))
    console.log(`${tracker}: run ${run.runId}, ${run.logged} point${run.logged === 1 ? '' : 's'} logged`);
  return 0;
}

/** The same parsing as the input's `tracking` option. */
function parseTrackers(value: unknown, where: string): Tracker[] {
  const parsed = trackingSchema.safeParse(value);
  if (!parsed.success) throw new BadInputError(`${where}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function trackersOf(root: string, experiment: string): Promise<Tracker[]> {
  const input = experimentLayout(root, experiment).inputJson;
  if (!(await exists(input)))
    throw new BadInputError(`no experiment ${experiment} under ${root} (${input} is missing): check the name and --storage-root`);
  const { tracking } = JSON.parse(await readText(input)) as { tracking?: unknown };
  return tracking === undefined ? [] : parseTrackers(tracking, `tracking in ${input}`);
}
