/**
 * Writes the iteration's metrics row (`metrics/{exp}_{i}.json`) and rewrites the experiment's
 * human-readable log, one line per iteration, where the reference appended its results
 * (`result_logs/{exp}.txt`). Rewriting the whole small file keeps it atomic on object stores, and
 * replacing the iteration's own line keeps a retry from writing it twice.
 */
import { exists, readText, writeBytes, writeJson } from '../storage';
import type { IterationMetrics } from '../contracts/metrics';
import type { ActivityDeps } from './deps';
import { asActivity } from './failures';
import type { RecordMetricsInput } from '../contracts/activities';

export async function recordMetrics(_deps: ActivityDeps, input: RecordMetricsInput): Promise<void> {
  await asActivity('recording metrics', async () => {
    await writeJson(input.metricsUri, input.row);
    if (!input.logUri) return;
    const row = input.row as IterationMetrics;
    const previous = (await exists(input.logUri)) ? (await readText(input.logUri)).split('\n').filter((line) => line !== '') : [];
    const prefix = `iteration ${row.iteration}:`;
    const lines = [...previous.filter((line) => !line.startsWith(prefix)), logLine(row)];
    lines.sort((a, b) => iterationOf(a) - iterationOf(b));
    await writeBytes(input.logUri, `${lines.join('\n')}\n`);
  });
}

export function logLine(row: IterationMetrics): string {
  const accuracy = row.accuracy
    ? Object.entries(row.accuracy)
        .map(([cls, a]) => `${referenceClassName(cls)}=${(100 * a.accuracy).toFixed(1)}% (${a.correct}/${a.total})`)
        .join(' ')
    : 'not evaluated';
  const loss = row.loss === undefined ? '' : ` loss=${row.loss.toFixed(4)}`;
  return `iteration ${row.iteration}: attempted=${row.attempted} kept=${row.kept} rationalized=${row.rationalized} train_examples=${row.trainExamples} total_steps=${row.totalSteps}${loss} accuracy: ${accuracy} checkpoint=${row.checkpointUri}`;
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
