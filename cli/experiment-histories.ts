/**
 * Every run of an experiment's continue-as-new chain, fetched from the server, first to last: the
 * latest run names the run it continued (`continuedExecutionRunId` of its first event), and so on back
 * to the run the experiment started with.
 */
import type { Client } from '@temporalio/client';
import type { RecordedRun } from '../workers/replay-histories';

/** Runs fetched at most: a chain of continue-as-new runs is one per iteration, which the input caps far below this. */
const MAX_RUNS = 20_000;

export async function experimentRuns(client: Client, experiment: string, latestRunId: string): Promise<RecordedRun[]> {
  const newestFirst: { runId: string; history: RecordedRun['history'] }[] = [];
  const seen = new Set<string>();
  let runId: string | undefined = latestRunId;
  while (runId && !seen.has(runId) && newestFirst.length < MAX_RUNS) {
    seen.add(runId);
    const history = await client.workflow.getHandle(experiment, runId).fetchHistory();
    newestFirst.push({ runId, history });
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  const runs = newestFirst.reverse();
  return runs.map(({ runId: id, history }, i) => ({
    label: `run ${i + 1} of ${runs.length} (run ID ${id})`,
    workflowId: experiment,
    history,
  }));
}
