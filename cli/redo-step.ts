/**
 * Redoing a finished step (`star redo`): a completed step is never run again by a reset alone, because
 * its completion manifest makes the activity return the stored result. So the step's manifests (and
 * those of the steps after it in the same iteration) are dropped first, together with the partial
 * work a retry would continue from (shard chunks, checkpoints), and only then is the run that performed
 * the iteration reset to just before the step was scheduled. The steps before it replay from history.
 *
 * Each run of the experiment's chain performs one iteration (it continues as new after it), so the
 * step is looked for in the run of that iteration, walking back from the latest run. Temporal can reset
 * any run of the chain, closed or not; the new run becomes the latest and goes on from there (the later
 * iterations then find their own manifests and are not redone).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { BadInputError } from '../core/errors';
import { iterationLayout, type IterationLayout } from '../contracts/layout';
import { joinUri } from '../contracts/uri';
import { exists, list, remove } from '../storage';
import { lastCompletedWorkflowTaskBefore, resetRun } from './reset';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The steps of an iteration that can be redone, in the order they run. */
export const REDO_STEPS = ['generate', 'records', 'config', 'train', 'eval'] as const;
export type RedoStep = (typeof REDO_STEPS)[number];

/** The activities that begin each step: the first of them scheduled in the iteration is where it starts. */
const STEP_ACTIVITIES: Record<RedoStep, readonly string[]> = {
  generate: ['generateShard'],
  records: ['writeRecords'],
  config: ['writeIterationConfig'],
  train: ['trainModel', 'trainOnHost'],
  eval: ['evalShard'],
};

/** The step cannot be redone as asked (no such iteration or step in the history); the message says what to do. */
export class CannotRedoError extends BadInputError {
  override readonly name = 'CannotRedoError';
}

export interface StepInHistory {
  /** The run of the chain that performed the iteration. */
  runId: string;
  /** The ActivityTaskScheduled event that began the step. */
  scheduledEventId: number;
  activityType: string;
  /** The WorkflowTaskCompleted event the run is reset to (the last one before the step was scheduled). */
  resetEventId: number;
  /** The experiment's resolved storage root, as the run used it. */
  root: string;
}

const activityInputSchema = z.object({ iteration: z.number().int() }).passthrough();
const carriedSchema = z.object({ iteration: z.number().int(), prepared: z.object({ root: z.string() }).passthrough() }).passthrough();
const preparedSchema = z.object({ root: z.string() }).passthrough();

function decode(payload: Payload | null | undefined): unknown {
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** Which iteration a run performs and the storage root it uses: its carried state, or (first run) the prepare step's result. */
function runFacts(events: HistoryEvent[]): { iteration: number; root?: string; previousRunId?: string } {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const previousRunId = started?.continuedExecutionRunId || undefined;
  const carried = carriedSchema.safeParse(decode(started?.input?.payloads?.[1]));
  if (carried.success) return { iteration: carried.data.iteration, root: carried.data.prepared.root, previousRunId };
  const prepareScheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareExperiment');
  const prepareDone = prepareScheduled
    ? events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(prepareScheduled.eventId))
    : undefined;
  const prepared = preparedSchema.safeParse(decode(prepareDone?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]));
  return { iteration: 1, root: prepared.success ? prepared.data.root : undefined, previousRunId };
}

/** The first ActivityTaskScheduled of `step` for `iteration` in one run's events, if any. */
export function findStepScheduled(events: HistoryEvent[], iteration: number, step: RedoStep): HistoryEvent | undefined {
  return events.find((e) => {
    const attrs = e.activityTaskScheduledEventAttributes;
    if (!attrs || !STEP_ACTIVITIES[step].includes(attrs.activityType?.name ?? '')) return false;
    const input = activityInputSchema.safeParse(decode(attrs.input?.payloads?.[0]));
    return input.success && input.data.iteration === iteration;
  });
}

/**
 * Finds where `step` of `iteration` began in the experiment's history: the run of that iteration
 * (latest run first, then back through the runs it continued from) and its reset point.
 */
export async function findStepInHistory(client: Client, experiment: string, iteration: number, step: RedoStep): Promise<StepInHistory> {
  let runId: string | undefined = (await client.workflow.getHandle(experiment).describe()).runId;
  let latestIteration: number | undefined;
  while (runId) {
    let events: HistoryEvent[];
    try {
      events = (await client.workflow.getHandle(experiment, runId).fetchHistory()).events ?? [];
    } catch (err) {
      throw new CannotRedoError(
        `the run of ${experiment} that performed iteration ${iteration} (run ${runId}) is no longer on the server (${(err as Error).message}); ` +
          "a run past the namespace's retention cannot be reset. Start a new experiment name to redo the work.",
      );
    }
    const facts = runFacts(events);
    latestIteration ??= facts.iteration;
    if (facts.iteration < iteration) {
      throw new CannotRedoError(
        `${experiment} has not reached iteration ${iteration} (its latest run is iteration ${latestIteration}); a step can be redone only once it has run`,
      );
    }
    if (facts.iteration === iteration) {
      const scheduled = findStepScheduled(events, iteration, step);
      if (!scheduled) {
        throw new CannotRedoError(
          `iteration ${iteration} of ${experiment} never began its ${step} step (it stopped before it${step === 'eval' ? ', or skipEval is on' : ''}); ` +
            `nothing to redo: \`star resume ${experiment}\` continues a failed run from its failed step`,
        );
      }
      if (!facts.root)
        throw new CannotRedoError(`the history of run ${runId} of ${experiment} does not say where its files are (no prepare step result)`);
      const scheduledEventId = Number(scheduled.eventId);
      return {
        runId,
        scheduledEventId,
        activityType: scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? step,
        resetEventId: lastCompletedWorkflowTaskBefore(events, scheduledEventId),
        root: facts.root,
      };
    }
    runId = facts.previousRunId;
  }
  throw new CannotRedoError(
    `iteration ${iteration} is not in the history of ${experiment}'s latest chain of runs (it began at iteration ${latestIteration ?? '?'}); ` +
      'only steps of that chain can be reset',
  );
}

/** What a redo of `step` drops for each step from it to the end of the iteration: manifests, and work a retry would continue from. */
function dropped(it: IterationLayout, step: RedoStep): string[] {
  const folder = (uri: string) => `${uri}/`;
  const perStep: Record<RedoStep, string[]> = {
    // Shard outputs, their manifests and saved chunks: a shard would otherwise continue after its chunks.
    generate: [folder(joinUri(it.work, 'generate')), it.done.generate],
    records: [it.done.records],
    config: [it.done.config],
    // Checkpoints too: a trainer that finds step_{total_steps} returns it without training (and without a loss).
    train: [it.done.train, folder(it.modelDir), folder(joinUri(it.work, 'train'))],
    eval: [folder(joinUri(it.work, 'eval')), it.done.eval],
  };
  const from = REDO_STEPS.indexOf(step);
  return [...REDO_STEPS.slice(from).flatMap((s) => perStep[s]), it.done.copy];
}

export interface DroppedItem {
  uri: string;
  /** Files removed (a folder counts its files). */
  files: number;
}

/** Deletes the manifests and partial work of `step` and the steps after it in the iteration; returns what was there. */
export async function dropStepOutputs(root: string, experiment: string, iteration: number, step: RedoStep): Promise<DroppedItem[]> {
  const it = iterationLayout(root, experiment, iteration);
  const out: DroppedItem[] = [];
  for (const uri of dropped(it, step)) {
    if (uri.endsWith('/')) {
      const files = await list(uri);
      for (const file of files) await remove(file);
      if (files.length > 0) out.push({ uri, files: files.length });
    } else if (await exists(uri)) {
      await remove(uri);
      out.push({ uri, files: 1 });
    }
  }
  return out;
}

export interface RedoOutcome extends StepInHistory {
  experiment: string;
  iteration: number;
  step: RedoStep;
  dropped: DroppedItem[];
  newRunId: string;
}

/**
 * Redoes `step` of `iteration` and what follows it: drops the step's manifests (before the reset, so
 * the new run cannot find them), then resets the iteration's run to just before the step.
 */
export async function redoStep(client: Client, experiment: string, iteration: number, step: RedoStep): Promise<RedoOutcome> {
  const at = await findStepInHistory(client, experiment, iteration, step);
  const droppedItems = await dropStepOutputs(at.root, experiment, iteration, step);
  const newRunId = await resetRun(client, experiment, at.runId, at.resetEventId, `star redo: iteration ${iteration}, ${step}`);
  return { ...at, experiment, iteration, step, dropped: droppedItems, newRunId };
}
