/**
 * Writes the iteration's metrics row (`metrics/{exp}_{i}.json`) and rewrites the experiment's
 * human-readable log, one line per iteration, where the reference appended its results
 * (`result_logs/{exp}.txt`). Rewriting the whole small file keeps it atomic on object stores, and
 * replacing the iteration's own line keeps a retry from writing it twice.
 *
 * An iteration that already finished (an experiment continued with a higher nIters replays its
 * iterations, every step finding its manifest) yields the same row but with the seconds of reading
 * manifests; the stored row, with the seconds the work took, is kept and returned instead.
 */
import { exists, readJson, readText, writeBytes, writeJson } from '../storage';
import type { IterationMetrics } from '../contracts/metrics';
import type { ActivityDeps } from './deps';
import { asActivity } from '../activity-context/failures';
import { stableJson } from '../core/stable-json';
import type { RecordMetricsInput } from '../contracts/activities';

/** Writes the row (or keeps the stored one of the same results); returns the row the file holds. */
export async function recordMetrics(_deps: ActivityDeps, input: RecordMetricsInput): Promise<IterationMetrics> {
  return asActivity('recording metrics', async () => {
    const stored = await storedRow(input.metricsUri, input.row as IterationMetrics);
    const row = stored ?? (input.row as IterationMetrics);
    if (!stored) await writeJson(input.metricsUri, row);
    if (!input.logUri) return row;
    const previous = (await exists(input.logUri)) ? (await readText(input.logUri)).split('\n').filter((line) => line !== '') : [];
    const prefix = `iteration ${row.iteration}:`;
    const lines = [...previous.filter((line) => !line.startsWith(prefix)), logLine(row)];
    lines.sort((a, b) => iterationOf(a) - iterationOf(b));
    await writeBytes(input.logUri, `${lines.join('\n')}\n`);
    return row;
  });
}

/** The stored row of this iteration if it holds the same results as `row` (its times aside). */
async function storedRow(uri: string, row: IterationMetrics): Promise<IterationMetrics | undefined> {
  if (!(await exists(uri))) return undefined;
  const stored = (await readJson(uri).catch(() => undefined)) as IterationMetrics | undefined;
  if (!stored || typeof stored !== 'object') return undefined;
  const results = (r: IterationMetrics) => stableJson({ ...r, seconds: undefined });
  return results(stored) === results(row) ? stored : undefined;
}

export function logLine(row: IterationMetrics): string {
  const accuracy = row.accuracy
    ? Object.entries(row.accuracy)
        .map(([cls, a]) => `${referenceClassName(cls)}=${(100 * a.accuracy).toFixed(1)}% (${a.correct}/${a.total})`)
        .join(' ')
    : 'not evaluated';
  const loss = row.loss === undefined ? '' : ` loss=${row.loss.toFixed(4)}`;
  // Only with several samples per question, so a k = 1 run logs the line it always did.
  const sampling =
    row.samples !== undefined && row.samples !== row.attempted
      ? ` samples=${row.samples} correct_samples=${row.correctSamples ?? 0} pass_at_k=${row.questionsWithCorrect ?? 0}/${row.attempted} distinct_kept=${row.distinctKept ?? row.kept}`
      : '';
  return `iteration ${row.iteration}: attempted=${row.attempted} kept=${row.kept} rationalized=${row.rationalized}${sampling} train_examples=${row.trainExamples} total_steps=${row.totalSteps}${loss} accuracy: ${accuracy} checkpoint=${row.checkpointUri}`;
}

/**
 * A class as the reference's result log names it: its commonsenseqa examples are keyed by its
 * dataset mode, `cqa` (`cqa_r` rationalized); gsm and arithmetic classes are named alike.
 */
export function referenceClassName(cls: string): string {
  return cls === 'commonsenseqa' || cls === 'commonsenseqa_r' ? `cqa${cls.slice('commonsenseqa'.length)}` : cls;
}

function iterationOf(line: string): number {
  return Number(/^iteration (\d+):/.exec(line)?.[1] ?? Number.MAX_SAFE_INTEGER);
}
