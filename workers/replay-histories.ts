/**
 * Replays recorded histories against this checkout's workflow code with the SDK's replayer, the
 * check to run before rolling workers onto changed or upgraded workflow code (docs/upgrading.md): a
 * history that no longer replays is a run the new workers could not continue.
 */
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { temporal } from '@temporalio/proto';
import type { History } from './history-json';

/** The workflows a worker registers (the same entry workers/main.ts bundles). */
const WORKFLOWS_PATH = require.resolve('../workflows');

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RecordedRun {
  /** How the run is named to the user: "run 2 of 5 (run ID …)" or a file name. */
  label: string;
  /** The experiment (the workflow checks that its ID is the experiment name). */
  workflowId: string;
  history: History;
}

export type ReplayVerdict =
  | { label: string; ok: true; events: number }
  | {
      label: string;
      ok: false;
      /** Whether the workflow code made other decisions than the recorded ones (else replay itself failed). */
      nondeterministic: boolean;
      message: string;
      /** The first recorded event the workflow code does not reproduce, when it could be found. */
      event?: { id: number; type: string };
    };

/** Where the workflow code comes from: a prebuilt bundle (workers/build-bundle.ts), else this checkout's source. */
export interface WorkflowCode {
  bundlePath?: string;
}

/**
 * Replays each run in turn and says, per run, whether it replays; for one that does not, the first
 * event it diverges at, found by replaying ever shorter prefixes of its history (replay of a prefix
 * fails exactly when the divergence lies within it).
 */
export async function replayRuns(runs: RecordedRun[], code: WorkflowCode = {}): Promise<ReplayVerdict[]> {
  const options = await replayOptions(code);
  const verdicts: ReplayVerdict[] = [];
  let n = 0;
  for await (const result of Worker.runReplayHistories(
    options,
    runs.map(({ workflowId, history }) => ({ workflowId, history })),
  )) {
    const run = runs[n++] as RecordedRun;
    if (result.error === undefined) {
      verdicts.push({ label: run.label, ok: true, events: run.history.events?.length ?? 0 });
      continue;
    }
    const nondeterministic = result.error instanceof DeterminismViolationError;
    const event = nondeterministic ? await firstDivergingEvent(options, run) : undefined;
    verdicts.push({
      label: run.label,
      ok: false,
      nondeterministic,
      message: coreMessage(result.error.message),
      ...(event ? { event } : {}),
    });
  }
  return verdicts;
}

async function replayOptions(code: WorkflowCode): Promise<ReplayWorkerOptions> {
  if (code.bundlePath) return { workflowBundle: { codePath: code.bundlePath }, replayName: 'star-replay' };
  const { code: bundled } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
  return { workflowBundle: { code: bundled }, replayName: 'star-replay' };
}

/** Binary search for the shortest failing prefix: its last event is where the code diverges. */
async function firstDivergingEvent(options: ReplayWorkerOptions, run: RecordedRun): Promise<{ id: number; type: string } | undefined> {
  const events = run.history.events ?? [];
  let passing = 0;
  let failing = events.length;
  while (failing - passing > 1) {
    const mid = Math.floor((passing + failing) / 2);
    if (await prefixFails(options, run, events.slice(0, mid))) failing = mid;
    else passing = mid;
  }
  const event = events[failing - 1];
  return event ? { id: Number(event.eventId), type: eventTypeName(event) } : undefined;
}

async function prefixFails(options: ReplayWorkerOptions, run: RecordedRun, events: HistoryEvent[]): Promise<boolean> {
  try {
    await Worker.runReplayHistory(options, { events }, run.workflowId);
    return false;
  } catch (err) {
    return err instanceof DeterminismViolationError;
  }
}

/** `ActivityTaskScheduled` from the event's attributes field (`activityTaskScheduledEventAttributes`). */
function eventTypeName(event: HistoryEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k]);
  return key ? key[0]!.toUpperCase() + key.slice(1, -'EventAttributes'.length) : 'unknown';
}

/** The core's own sentence ("[TMPRL1100] Nondeterminism error: Activity type of scheduled event …") without the SDK's wrapping. */
function coreMessage(message: string): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(message);
  return inner ? inner[1]!.replace(/\\(.)/g, '$1') : message;
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
