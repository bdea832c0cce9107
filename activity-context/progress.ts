/**
 * Heartbeating from inside an activity (the details' shapes are in contracts/heartbeats.ts). A
 * client reads them from `describe()`, see cli/activity-progress.ts. A retried attempt resumes from
 * what the previous one saved (chunk files, checkpoints), which unlike heartbeat details survives a
 * lost heartbeat and is visible to any worker.
 */
import { Context } from '@temporalio/activity';
import type { ActivityProgress } from '../contracts/heartbeats';

export type { ActivityProgress, ExamplesProgress } from '../contracts/heartbeats';

/** Heartbeats when running inside an activity; a no-op when called from plain code (tests, scripts). */
export function heartbeat(progress: ActivityProgress): void {
  const ctx = currentContext();
  if (!ctx) return;
  lastProgress.set(ctx, progress);
  ctx.heartbeat(progress);
}

const lastProgress = new WeakMap<Context, ActivityProgress>();

/**
 * Heartbeats the last progress again: for waits inside a step (an inference server retried with
 * backoff) that must keep the attempt alive without changing what the progress view shows.
 */
export function heartbeatAgain(): void {
  const ctx = currentContext();
  if (ctx) ctx.heartbeat(lastProgress.get(ctx));
}

/** Raises the cancellation if the workflow asked this activity to stop (seen on the last heartbeat). */
export function throwIfCancelled(): void {
  const signal = currentContext()?.cancellationSignal;
  if (signal?.aborted) throw signal.reason ?? new Error('activity cancelled');
}

export function cancellationSignal(): AbortSignal | undefined {
  return currentContext()?.cancellationSignal;
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Heartbeats `{kind: 'step', doing}` every few seconds while `work` runs, for steps without finer
 * progress (merging, tokenizing, copying): a live worker keeps its attempt, a dead one loses it after
 * the heartbeat timeout.
 */
export async function whileHeartbeating<T>(doing: string, work: () => Promise<T>, everyMs = 10_000): Promise<T> {
  heartbeat({ kind: 'step', doing });
  const timer = setInterval(() => heartbeat({ kind: 'step', doing }), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
