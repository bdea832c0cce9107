/**
 * `star status` when no worker answers the progress query. That has two quite different causes: no
 * worker polls the experiment's task queue (start one), or one does but the worker holding the
 * workflow is busy or stopped, while the others may well be moving the experiment on. Say which is
 * true, then show what does not need that worker: the history's running activities and the metrics
 * rows in the store.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { experimentLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { list, localPathOf, normaliseRoot, readJson, schemeOf } from '../storage';
import { metricsRowSchema } from '../report/schemas';
import { pendingActivityProgress, waitingNote } from './activity-progress';
import { metricsTable } from './progress-view';
import { startedOptions } from './started-options';

export interface SilentWorkerFacts {
  taskQueue: string;
  /** Identities of the workers that polled the task queue lately. */
  pollers: string[];
  timeoutSeconds: number;
}

/** What is known when the query went unanswered. */
export function silentWorkerNote({ taskQueue, pollers, timeoutSeconds }: SilentWorkerFacts): string {
  const unanswered = `No worker answered the progress query within ${timeoutSeconds} s`;
  if (pollers.length === 0)
    return `${unanswered}, and no worker polls task queue ${taskQueue}: start one with \`star worker\` (or \`star run\`).`;
  return (
    `${unanswered}, though ${pollers.length} worker${pollers.length === 1 ? '' : 's'} polled task queue ${taskQueue} lately (${pollers.join(', ')}): ` +
    "the worker holding the experiment's workflow is busy or stopped. The experiment may still be progressing: its steps run on any " +
    'of those workers, and another takes the workflow over when it next has work.'
  );
}

/** The lines `star status` prints for a running experiment whose progress query went unanswered. */
export async function silentWorkerReport(client: Client, experiment: string, runId: string, timeoutSeconds: number): Promise<string[]> {
  const description = await client.workflow.getHandle(experiment).describe();
  const taskQueue = description.taskQueue;
  const lines = [silentWorkerNote({ taskQueue, pollers: await pollersOf(client, taskQueue), timeoutSeconds })];

  const pending = await pendingActivityProgress(client, experiment);
  if (pending.length > 0) {
    lines.push('', 'From the history, steps in flight:');
    for (const p of pending) {
      const silent = p.silentSeconds === undefined ? '' : `, last heartbeat ${Math.round(p.silentSeconds)} s ago`;
      lines.push(`  ${p.activityType} attempt ${p.attempt}${p.worker ? ` on ${p.worker}` : ''}${silent}`);
    }
    const note = waitingNote(pending);
    if (note) lines.push(`  (${note})`);
  }

  const options = await startedOptions(client, experiment, runId).catch(() => undefined);
  if (options) {
    const { dir, rows, damaged } = await storedMetrics(options.storageRoot, experiment);
    lines.push('', `From the store (${dir}):`);
    const table = metricsTable(rows);
    lines.push(...(table.length > 0 ? table : ['No iteration has finished yet.']));
    if (damaged.length > 0) lines.push(`(unreadable metrics rows left out: ${damaged.join(', ')})`);
  }
  return lines;
}

async function pollersOf(client: Client, taskQueue: string): Promise<string[]> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (response.pollers ?? []).map((p) => p.identity || 'a worker');
}

/** The metrics rows of the finished iterations, read from the store. */
async function storedMetrics(
  storageRoot: string,
  experiment: string,
): Promise<{ dir: string; rows: IterationMetrics[]; damaged: string[] }> {
  const root = normaliseRoot(storageRoot);
  const layout = experimentLayout(root, experiment);
  const dir = schemeOf(root) === 'file' ? localPathOf(layout.dir) : layout.dir;
  const rows: IterationMetrics[] = [];
  const damaged: string[] = [];
  const files = (await list(layout.metricsDir).catch(() => [] as string[])).filter((uri) => uri.endsWith('.json'));
  for (const uri of files) {
    const row = metricsRowSchema.safeParse(await readJson(uri).catch(() => undefined));
    if (!row.success) {
      damaged.push(uri);
      continue;
    }
    rows.push({
      attempted: 0,
      kept: 0,
      rationalized: 0,
      trainExamples: 0,
      totalSteps: 0,
      checkpointUri: '',
      seconds: {},
      ...row.data,
    } as IterationMetrics);
  }
  return { dir, rows: rows.sort((a, b) => a.iteration - b.iteration), damaged };
}
