/**
 * After each stored metrics row, the experiment's trackers (`tracking`) are brought up to date. A
 * tracker that is down must not stop STaR: the sync has a few attempts (activity-proxies.ts), and if
 * they all fail the loop goes on; every sync logs all that the tracker lacks, so the next one (or
 * `star track`) fills the gap.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { StarActivities } from './activity-proxies';

export async function syncTrackers(acts: StarActivities, options: ExperimentOptions, root: string): Promise<void> {
  // Inputs without trackers (every history from before the option) schedule nothing here.
  if (options.tracking.length === 0) return;
  try {
    const { runs } = await acts.syncTracking({ root, experiment: options.experiment, trackers: options.tracking });
    log.info('trackers synced', { runs });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('tracking failed; the experiment goes on, and the next sync (or `star track`) logs what this one missed', {
      error: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
    });
  }
}
