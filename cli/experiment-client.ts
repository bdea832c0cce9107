import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { progressQuery, type ExperimentProgress } from '../contracts/messages';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { ExperimentResult } from '../workflows/star-experiment';
import { connectClient, describeTarget, temporalTargetFromEnv, type TemporalTarget } from '../connection/temporal';
import { readServerRecord } from './dev-server';
import { DEFAULT_TASK_QUEUE } from '../contracts/task-queues';
import { UsageError } from './errors';
import { stateDir } from '../connection/state-dir';
import { describeDifferences, optionDifferences, startedOptions, type OptionDifference } from './started-options';

/** The task queue the experiment workflow and its activities run on. */
export const EXPERIMENT_TASK_QUEUE = process.env.STAR_TASK_QUEUE || DEFAULT_TASK_QUEUE;
/** The workflow type, as `temporal workflow start --type` names it. */
export const WORKFLOW_TYPE = 'starExperiment';

/**
 * The cluster a command that needs a running service talks to: TEMPORAL_ADDRESS if set, else the
 * local dev server of `star run` / `star server start` if one is up.
 */
export function resolveTarget(): TemporalTarget {
  const fromEnv = temporalTargetFromEnv();
  if (fromEnv) return fromEnv;
  const local = readServerRecord(stateDir());
  if (local) return { address: `127.0.0.1:${local.port}`, namespace: process.env.TEMPORAL_NAMESPACE || 'default' };
  throw new UsageError(
    'no Temporal service: set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS or API key as needed), ' +
      'or start the local dev server with `star server start` (`star run` starts one by itself).',
  );
}

export function describeWhere(target: TemporalTarget): string {
  return describeTarget(target);
}

export type ExperimentState =
  | { kind: 'absent' }
  | { kind: 'running'; runId: string; startTime: Date }
  | { kind: 'completed'; runId: string; closeTime?: Date }
  | { kind: 'failed' | 'terminated' | 'canceled' | 'timed-out'; runId: string; closeTime?: Date; reason: string };

/** What the server knows of the experiment's latest run. */
export async function experimentState(client: Client, experiment: string): Promise<ExperimentState> {
  const handle = client.workflow.getHandle(experiment);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'absent' };
    throw err;
  }
  const runId = description.runId;
  const closeTime = description.closeTime ?? undefined;
  switch (description.status.name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW': // describe() of the latest run never says this; kept for completeness
      return { kind: 'running', runId, startTime: description.startTime };
    case 'COMPLETED':
      return { kind: 'completed', runId, closeTime };
    case 'FAILED':
      return { kind: 'failed', runId, closeTime, reason: await failureReason(handle) };
    case 'TERMINATED':
      return { kind: 'terminated', runId, closeTime, reason: 'terminated' };
    case 'CANCELLED':
      return { kind: 'canceled', runId, closeTime, reason: 'canceled' };
    case 'TIMED_OUT':
      return { kind: 'timed-out', runId, closeTime, reason: 'timed out' };
    default:
      return { kind: 'failed', runId, closeTime, reason: `status ${description.status.name}` };
  }
}

async function failureReason(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return 'failed';
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      let cause: Error | undefined = err.cause;
      const messages: string[] = [];
      while (cause) {
        if (cause.message) messages.push(cause.message);
        cause = (cause as { cause?: Error }).cause;
      }
      return messages.join(': ') || err.message;
    }
    return (err as Error).message;
  }
}

export type StartMode =
  /** a new experiment */
  | 'started'
  /** it was running already: watch it */
  | 'attached'
  /** it had completed (finished, stopped, or on a plateau with earlyStop now off) with fewer iterations than asked: a new run goes on, reusing finished steps from storage */
  | 'continued'
  /** it is closed and nothing was started (completed with all iterations asked or on a plateau, failed, terminated) */
  | 'closed';

export interface StartOutcome {
  handle: WorkflowHandle;
  mode: StartMode;
  state: ExperimentState;
  /** Iterations a completed experiment had finished. */
  completedIterations?: number;
  /** Attached to a running experiment: the options given now that differ from its own (they were ignored). */
  ignored?: OptionDifference[];
}

/** What a completed experiment may be continued with that differs from its own options. */
export const CONTINUATION_CHANGES = ['nIters', 'earlyStop'] as const;

/**
 * Starts the experiment, or returns the running one with that name. A completed experiment is run
 * again only if more iterations are asked for than it finished (after `star stop`, or with a higher
 * nIters): its activities find their completion manifests and return without redoing work, so it must
 * be given its own options (other ones would be refused by those manifests only after the new options
 * had been recorded in its store): other options are refused here, before anything is written. Failed
 * experiments are left for `star resume`, which keeps their history.
 */
export async function startOrAttach(client: Client, options: ExperimentOptions, taskQueue = EXPERIMENT_TASK_QUEUE): Promise<StartOutcome> {
  const experiment = options.experiment;
  const state = await experimentState(client, experiment);
  const existing = client.workflow.getHandle(experiment);
  if (state.kind === 'running') {
    const own = await startedOptions(client, experiment, state.runId);
    return { handle: existing, mode: 'attached', state, ignored: own ? optionDifferences(own, options) : [] };
  }
  let completedIterations: number | undefined;
  if (state.kind === 'completed') {
    const result = (await existing.result()) as ExperimentResult;
    completedIterations = result.outcome === 'dry-run' ? 0 : result.iterations;
    // A run that ended on a plateau would end there again: going on needs earlyStop off.
    const plateauAgain = result.outcome === 'plateau' && options.earlyStop !== undefined;
    if (result.outcome !== 'dry-run' && (completedIterations >= options.nIters - 1 || plateauAgain)) {
      return { handle: existing, mode: 'closed', state, completedIterations };
    }
    const own = result.outcome === 'dry-run' ? undefined : await startedOptions(client, experiment, state.runId);
    const changed = own ? optionDifferences(own, options, CONTINUATION_CHANGES) : [];
    if (changed.length > 0) {
      throw new UsageError(
        `experiment ${experiment} has completed with other options: ${describeDifferences(changed)}. Going on with more iterations ` +
          `needs the options it ran with (only ${CONTINUATION_CHANGES.join(' and ')} may change); to run with these, pick a new name ` +
          '(--set experiment=NEW_NAME). Nothing was started.',
      );
    }
  } else if (state.kind !== 'absent') {
    return { handle: existing, mode: 'closed', state };
  }
  const handle = await client.workflow.start(WORKFLOW_TYPE, {
    taskQueue,
    workflowId: experiment,
    args: [options],
    // If another `star run` or `star start` raced us to it, watch that one instead of failing.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowTaskTimeout: EXPERIMENT_WORKFLOW_TASK_TIMEOUT,
  });
  const running: ExperimentState = { kind: 'running', runId: handle.firstExecutionRunId, startTime: new Date() };
  return { handle, mode: state.kind === 'completed' ? 'continued' : 'started', state: running, completedIterations };
}

/**
 * A worker that lost the run from its cache replays the whole history in one workflow task. An
 * iteration of 1,000 shards has ~6,400 events, whose replay took 16-28 s on a loaded 2-core machine
 * (bench/scale.ts): past the default 10 s, every attempt timed out and replayed again. Continue-as-new
 * runs inherit it.
 */
export const EXPERIMENT_WORKFLOW_TASK_TIMEOUT = '60s';

/** The `progress` query, or undefined when no worker answers within `timeoutMs`. */
export async function queryProgress(client: Client, experiment: string, timeoutMs = 5000): Promise<ExperimentProgress | undefined> {
  try {
    return await client.connection.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(experiment).query(progressQuery));
  } catch {
    return undefined;
  }
}

/** A line that tells what to do about a closed experiment. */
export function closedStateAdvice(experiment: string, state: ExperimentState): string {
  switch (state.kind) {
    case 'completed':
      return (
        `Experiment ${experiment} has completed${state.closeTime ? ` (${state.closeTime.toISOString()})` : ''}. ` +
        `\`star status ${experiment}\` shows its metrics. To go on, ask for more iterations (--set nIters=N; finished steps ` +
        'are reused from storage); to start over, pick a new name (--set experiment=NEW_NAME).'
      );
    case 'failed':
      // A failure that names a redo needs it: a resume would reuse the step whose output is lost.
      if (state.reason.includes('star redo')) return `Experiment ${experiment} failed: ${state.reason}`;
      return `Experiment ${experiment} failed: ${state.reason}\nFix the cause, then \`star resume ${experiment}\` continues from just before the failed step.`;
    case 'terminated':
    case 'canceled':
    case 'timed-out':
      return `Experiment ${experiment} was ${state.reason}. \`star resume ${experiment}\` continues it from just before its last step; or pick a new name: --set experiment=NEW_NAME`;
    default:
      return '';
  }
}

/** What to say when options given to a running experiment were ignored, or undefined when none differ. */
export function ignoredOptionsNote(experiment: string, ignored: OptionDifference[] | undefined): string | undefined {
  if (!ignored || ignored.length === 0) return undefined;
  return (
    `The options given here were ignored: ${describeDifferences(ignored)}; a running experiment keeps the options it was started with. ` +
    `\`star extend ${experiment} N\` changes its nIters; for other options, \`star stop ${experiment}\` and start a new experiment with them ` +
    '(--set experiment=NEW_NAME).'
  );
}

/** Runs `work` with a client of `target` and closes its connection afterwards. */
export async function withClient<T>(target: TemporalTarget, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(target);
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}
