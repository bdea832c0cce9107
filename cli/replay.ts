import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseCommandArgs } from './args';
import { UsageError } from './errors';
import { experimentRuns } from './experiment-histories';
import { withExperiment } from './with-experiment';
import { experimentOfHistory, historyFromCliJson } from '../workers/history-json';
import { replayRuns, type RecordedRun, type ReplayVerdict } from '../workers/replay-histories';

const USAGE = 'star replay <experiment> | star replay --file HISTORY.json [--file ...]  [--bundle PATH]';

const HELP = `usage: ${USAGE}

Replays recorded workflow histories against this checkout's workflow code (or a prebuilt bundle), as
a worker running this code would when it picks up a running experiment. Run it before rolling workers
onto changed or upgraded code (docs/upgrading.md): status 0 means every run replays; status 1 names
the first run that does not and the first event its recorded history and this code disagree on.

  <experiment>       fetch every run of the experiment's continue-as-new chain from the server
                     (TEMPORAL_ADDRESS, or the local dev server) and replay each
  --file HISTORY     a history saved with \`temporal workflow show --workflow-id EXP --output json\`
  --bundle PATH      replay against a bundle built by workers/build-bundle.ts (what STAR_WORKFLOW_BUNDLE
                     workers load) instead of this checkout's workflow source`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { file: { type: 'string', multiple: true }, bundle: { type: 'string' } }, USAGE);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const files = values.file ?? [];
  if (files.length > 0 === positionals.length > 0 || positionals.length > 1) {
    throw new UsageError(
      `give one experiment name or --file HISTORY.json, not ${positionals.length + files.length === 0 ? 'neither' : 'both'}\nusage: ${USAGE}`,
    );
  }
  const bundlePath = values.bundle === undefined ? undefined : existingFile(values.bundle, '--bundle');
  if (files.length > 0) return replayAndReport(files.map(runFromFile), bundlePath);
  const experiment = positionals[0] as string;
  return withExperiment(experiment, { mustRun: false }, async ({ client, state }) =>
    replayAndReport(await experimentRuns(client, experiment, state.runId), bundlePath),
  );
}

async function replayAndReport(runs: RecordedRun[], bundlePath: string | undefined): Promise<number> {
  const runtime = quietRuntime();
  let verdicts: ReplayVerdict[];
  try {
    verdicts = await replayRuns(runs, { bundlePath });
  } finally {
    // The native runtime would otherwise keep the process alive.
    await runtime.shutdown();
  }
  for (const v of verdicts) console.log(describe(v));
  const failed = verdicts.find((v) => !v.ok);
  if (!failed) {
    console.log(
      `All ${verdicts.length} run${verdicts.length === 1 ? '' : 's'} replay against ${bundlePath ?? "this checkout's workflow code"}: workers running it can take them over.`,
    );
    return 0;
  }
  console.error(
    `${failed.label} does not replay: workers running this code would fail its workflow tasks. Keep the old workers until the experiment ` +
      'finishes, or guard the change with patched() (docs/upgrading.md).',
  );
  return 1;
}

function describe(v: ReplayVerdict): string {
  if (v.ok) return `${v.label}: replays (${v.events} events)`;
  const where = v.event ? ` at event ${v.event.id} (${v.event.type})` : '';
  return `${v.label}: ${v.nondeterministic ? 'nondeterministic' : 'replay failed'}${where}: ${v.message}`;
}

function runFromFile(file: string): RecordedRun {
  const path = existingFile(file, '--file');
  let history;
  try {
    history = historyFromCliJson(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new UsageError(
      `--file ${file}: not a workflow history in JSON (${(err as Error).message}); save one with \`temporal workflow show --workflow-id EXP --output json > ${basename(file)}\``,
    );
  }
  const experiment = experimentOfHistory(history);
  if (!experiment) throw new UsageError(`--file ${file}: its first event holds no experiment input; is it a starExperiment history?`);
  return { label: file, workflowId: experiment, history };
}

function existingFile(file: string, flag: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`${flag} ${file}: no such file`);
  return path;
}

/** The replayer's failing workflow tasks are expected here and reported above; the core would also log each as a warning. */
function quietRuntime(): Runtime {
  return Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
}
