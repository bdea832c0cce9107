import type { Client } from '@temporalio/client';
import { pendingActivityProgress, waitingNote } from './activity-progress';
import type { ExperimentProgress } from '../contracts/messages';
import type { ActivityDetail } from './progress-view';

/** The running activities' heartbeats folded into one bar: shard fractions for passes, steps for training. */
export async function activityDetail(
  client: Client,
  experiment: string,
  progress: ExperimentProgress,
): Promise<ActivityDetail | undefined> {
  let pending;
  try {
    pending = await pendingActivityProgress(client, experiment);
  } catch {
    return undefined;
  }
  const beats = pending.map((p) => p.progress).filter((p) => p !== undefined);
  const retrying = pending.find((p) => p.attempt > 1 && p.lastFailure);
  const waiting = waitingNote(pending);
  const retryNote = waiting ? ` (${waiting})` : retrying ? ` (retry ${retrying.attempt}: ${retrying.lastFailure})` : '';
  const training = beats.find((b) => b.kind === 'training');
  if (training && training.kind === 'training') {
    const loss = training.loss === undefined ? '' : ` loss ${training.loss.toFixed(3)}`;
    return { done: training.step, total: training.totalSteps, text: `step ${training.step}/${training.totalSteps}${loss}${retryNote}` };
  }
  const passes = beats.filter((b) => b.kind === 'examples');
  if (passes.length > 0) {
    const shards = progress.phaseProgress.total;
    let fraction = progress.phaseProgress.done;
    let done = 0;
    let total = 0;
    for (const p of passes) {
      if (p.kind !== 'examples') continue;
      fraction += p.total > 0 ? p.done / p.total : 0;
      done += p.done;
      total += p.total;
    }
    const shardNote = shards > 1 ? ` in ${passes.length} running of ${shards} shards` : '';
    return { done: fraction, total: Math.max(1, shards), text: `${done}/${total} examples${shardNote}${retryNote}` };
  }
  const step = beats.find((b) => b.kind === 'step');
  if (step && step.kind === 'step') return { ...progress.phaseProgress, text: `${step.doing}${retryNote}` };
  return retryNote ? { ...progress.phaseProgress, text: retryNote.trim() } : undefined;
}
