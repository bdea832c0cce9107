import type { Client } from '@temporalio/client';
import type { ExperimentProgress } from '../contracts/messages';
import type { ExperimentResult } from '../workflows/star-experiment';
import { activityDetail } from './activity-detail';
import { onePositional, parseCommandArgs } from './args';
import { closedStateAdvice, describeWhere, queryProgress, type ExperimentState } from './experiment-client';
import { silentWorkerReport } from './silent-worker';
import { withExperiment } from './with-experiment';
import { headline, metricsTable, phaseBars, tableRows } from './progress-view';

const USAGE = 'star status <experiment> [--json]';
/** How long the progress query waits for the worker that holds the workflow. */
const QUERY_SECONDS = 5;

export interface StatusReport {
  experiment: string;
  state: ExperimentState['kind'];
  runId?: string;
  reason?: string;
  /** The `progress` query's answer; absent when no worker answered. */
  progress?: ExperimentProgress;
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (values.help) {
    console.log(`usage: ${USAGE}\n\nShows the experiment's state, iteration, phase and metrics table (--json: the raw progress).`);
    return 0;
  }
  const experiment = onePositional(positionals, 'experiment name', USAGE);
  const onAbsent = values.json ? () => console.log(JSON.stringify({ experiment, state: 'absent' }, null, 2)) : undefined;
  return withExperiment(experiment, { mustRun: false, onAbsent }, async ({ client, target, state }) => {
    const progress =
      (await queryProgress(client, experiment, QUERY_SECONDS * 1000)) ?? (await progressFromResult(client, experiment, state));
    const report: StatusReport = {
      experiment,
      state: state.kind,
      runId: state.runId,
      reason: 'reason' in state ? state.reason : undefined,
      progress,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(`${experiment}: ${state.kind} (run ${state.runId}) on ${describeWhere(target)}`);
    if (progress) {
      console.log(headline(progress));
      if (state.kind === 'running') console.log(phaseBars(progress, await activityDetail(client, experiment, progress)).join('\n'));
      const table = metricsTable(tableRows(progress));
      console.log(table.length > 0 ? `\n${table.join('\n')}` : '\nNo iteration has finished yet.');
    } else if (state.kind === 'running') {
      console.log((await silentWorkerReport(client, experiment, state.runId, QUERY_SECONDS)).join('\n'));
    }
    const advice = closedStateAdvice(experiment, state);
    if (advice && state.kind !== 'completed') console.log(`\n${advice}`);
    return 0;
  });
}

/** A completed experiment's metrics come from its result when no worker is there to answer queries. */
async function progressFromResult(client: Client, experiment: string, state: ExperimentState): Promise<ExperimentProgress | undefined> {
  if (state.kind !== 'completed') return undefined;
  const result = (await client.workflow.getHandle(experiment).result()) as ExperimentResult;
  if (result.outcome === 'dry-run') return undefined;
  const last = result.metrics.at(-1);
  return {
    experiment,
    iteration: last?.iteration ?? result.iterations,
    nIters: result.iterations + 1,
    phase: result.outcome,
    phaseProgress: { done: 1, total: 1 },
    totalSteps: last?.totalSteps,
    stopRequested: result.outcome === 'stopped',
    metrics: result.metrics,
    ...(result.base ? { base: result.base } : {}),
  };
}
