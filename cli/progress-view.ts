import type { ExperimentProgress, Phase } from '../contracts/messages';
import type { IterationMetrics } from '../contracts/metrics';

/**
 * Text views of the `progress` query: one bar per phase of the running iteration, and the table of
 * finished iterations (kept, rationalized, steps, dev accuracy per class). Pure functions, so the
 * live view, `star status` and the tests all print the same thing.
 */

/** The phases of one iteration as the bars show them, with the workflow phases each covers. */
const BARS: { label: string; phases: Phase[] }[] = [
  { label: 'base', phases: ['evaluating-base'] },
  { label: 'generate', phases: ['preparing', 'generating', 'merging'] },
  { label: 'records', phases: ['records'] },
  { label: 'config', phases: ['config'] },
  { label: 'train', phases: ['training'] },
  { label: 'eval', phases: ['evaluating'] },
  { label: 'copy', phases: ['copying'] },
];

/** Finer progress of the running activity (from its heartbeat), when a caller has it. */
export interface ActivityDetail {
  done: number;
  total: number;
  /** e.g. "step 17/48 loss 1.234" or "812/1000 examples" */
  text?: string;
}

export function phaseBars(progress: ExperimentProgress, detail?: ActivityDetail, width = 24): string[] {
  const current = BARS.findIndex((bar) => bar.phases.includes(progress.phase));
  const over = progress.phase === 'finished' || progress.phase === 'stopped' || progress.phase === 'plateau';
  const lines: string[] = [];
  BARS.forEach((bar, index) => {
    // copy only runs when copyN > 0, and the base eval before iteration 1 with baseEval: show them
    // only while they run
    if ((bar.label === 'copy' || bar.label === 'base') && index !== current) return;
    let fraction: number;
    let note = '';
    if (over || (current >= 0 && index < current)) {
      fraction = 1;
      note = 'done';
    } else if (index === current) {
      const { done, total } = detail && detail.total > 0 ? detail : progress.phaseProgress;
      fraction = total > 0 ? Math.min(1, done / total) : 0;
      note = detail?.text ?? (total > 1 ? `${done}/${total} ${bar.label === 'train' ? 'hosts' : 'shards'}` : 'running');
    } else {
      fraction = 0;
    }
    if (bar.label === 'config' && progress.totalSteps !== undefined && fraction === 1) note = `total_steps ${progress.totalSteps}`;
    lines.push(`  ${bar.label.padEnd(8)} ${bar_(fraction, width)} ${percent(fraction)}  ${note}`.trimEnd());
  });
  return lines;
}

/**
 * One line saying where the run is. nIters counts the base model as iteration 0: iterations
 * 1..nIters-1 run, so "of" names nIters-1, and nIters 1 (with baseEval) runs the base eval alone.
 */
export function headline(progress: ExperimentProgress, elapsedSeconds?: number): string {
  const last = progress.nIters - 1;
  const state =
    progress.phase === 'finished'
      ? 'finished'
      : progress.phase === 'stopped'
        ? 'stopped'
        : progress.phase === 'plateau'
          ? `stopped early after iteration ${progress.iteration}: dev accuracy plateaued (earlyStop)`
          : progress.phase === 'evaluating-base'
            ? 'evaluating the base model (iteration 0)'
            : last < 1
              ? `base eval only (nIters 1 runs no iteration), ${progress.phase}`
              : `iteration ${progress.iteration} of ${last}, ${progress.phase}`;
  const stop = progress.stopRequested && progress.phase !== 'stopped' ? ' (stop requested: ends after this iteration)' : '';
  const time = elapsedSeconds === undefined ? '' : `  ${clock(elapsedSeconds)}`;
  return `${progress.experiment}: ${state}${stop}${time}`;
}

/** Accuracy classes over all rows, in natural order ("2" before "10"). */
export function accuracyClasses(rows: IterationMetrics[]): string[] {
  const classes = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.accuracy ?? {})) classes.add(name);
  return [...classes].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The base model's row (when evaluated) and then the iterations', as the table lists them. */
export function tableRows(result: { metrics: IterationMetrics[]; base?: IterationMetrics }): IterationMetrics[] {
  return result.base ? [result.base, ...result.metrics] : result.metrics;
}

/**
 * The per-iteration table; `digitLabels` names arithmetic's digit-count classes "1-digit" etc.
 * Iteration 0, the base model, is the `base` row: it kept and trained nothing.
 */
export function metricsTable(rows: IterationMetrics[], digitLabels = true): string[] {
  if (rows.length === 0) return [];
  const classes = accuracyClasses(rows);
  const header = [
    'iter',
    'kept',
    'rationalized',
    'steps',
    ...classes.map((c) => (digitLabels && /^\d+$/.test(c) ? `${c}-digit` : c)),
    'overall',
    'time',
  ];
  const body = rows.map((row) => [
    row.iteration === 0 ? 'base' : String(row.iteration),
    row.iteration === 0 ? '' : String(row.kept),
    row.iteration === 0 ? '' : String(row.rationalized),
    row.iteration === 0 ? '' : String(row.totalSteps),
    ...classes.map((c) => (row.accuracy?.[c] ? pct(row.accuracy[c].accuracy) : '-')),
    row.overallAccuracy === undefined ? '-' : pct(row.overallAccuracy),
    clock(Object.values(row.seconds).reduce((a, b) => a + (b ?? 0), 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  return [format(header), ...body.map(format)];
}

function bar_(fraction: number, width: number): string {
  const full = Math.round(fraction * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`.padStart(4);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
