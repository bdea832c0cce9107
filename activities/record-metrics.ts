/** Writes the iteration's metrics row (the reference appended its results to result_logs/{exp}.txt). */
import { writeJson } from '../storage';
import type { ActivityDeps } from './deps';
import { asActivity } from './failures';
import type { RecordMetricsInput } from './types';

export async function recordMetrics(_deps: ActivityDeps, input: RecordMetricsInput): Promise<void> {
  await asActivity('recording metrics', () => writeJson(input.metricsUri, input.row));
}
