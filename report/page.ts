/**
 * The report as one self-contained HTML page: the charts inlined as SVG (no script, no network),
 * the metrics table, and sample rationales per iteration. Everything from the store is escaped.
 */
import type { ReportData, IterationReport } from './collect';
import type { MetricsRow } from './schemas';
import { reachedPlateau } from '../core/early-stop';
import type { EvalCompletion } from '../core/eval-sample';

export interface PageChart {
  id: string;
  title: string;
  svg: string;
  png: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: #666; font-size: 13px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 4px; background: white; }
figure.chart svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figure.chart figcaption { font-size: 12px; color: #666; padding: 2px 6px; }
table.metrics { border-collapse: collapse; font-size: 13px; } table.metrics th, table.metrics td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.metrics th { background: #f4f4f4; }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 10px; }
.sample { border: 1px solid #ddd; border-radius: 4px; padding: 6px 8px; font-size: 12px; }
.sample.kept { border-left: 4px solid #54a24b; } .sample.rationalized { border-left: 4px solid #f58518; } .sample.failure { border-left: 4px solid #e45756; }
.sample pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; font-size: 12px; background: #fafafa; padding: 4px; }
.label { font-weight: bold; font-size: 11px; color: #555; }
.empty { color: #888; font-style: italic; }
`;

function percent(value: number | undefined): string {
  return value === undefined ? '' : `${(100 * value).toFixed(1)}%`;
}

function seconds(row: MetricsRow): string {
  const total = Object.values(row.seconds ?? {}).reduce((a, b) => a + b, 0);
  return total > 0 ? `${Math.floor(total / 60)}:${String(Math.round(total % 60)).padStart(2, '0')}` : '';
}

function metricsTable(data: ReportData): string {
  const rows = [data.base, ...data.iterations.map((i) => i.metrics)].filter((r): r is MetricsRow => r !== undefined);
  if (rows.length === 0) return '<p class="empty">No iteration has finished yet.</p>';
  const classes = [...new Set(rows.flatMap((r) => Object.keys(r.accuracy ?? {})))].sort(
    (a, b) => Number(a) - Number(b) || a.localeCompare(b),
  );
  const head = [
    'iteration',
    'attempted',
    'kept',
    'rationalized',
    'steps',
    'final loss',
    ...classes.map((c) => (/^\d+$/.test(c) ? `${c}-digit` : c)),
    'overall',
    'time',
  ];
  const body = rows.map((r) => [
    r.iteration === 0 ? '0 (base)' : String(r.iteration),
    r.iteration === 0 ? '' : String(r.attempted ?? ''),
    r.iteration === 0 ? '' : String(r.kept ?? ''),
    r.iteration === 0 ? '' : String(r.rationalized ?? ''),
    r.iteration === 0 ? '' : String(r.totalSteps ?? ''),
    r.loss === undefined ? '' : r.loss.toFixed(4),
    ...classes.map((c) => percent(r.accuracy?.[c]?.accuracy)),
    percent(r.overallAccuracy),
    seconds(r),
  ]);
  return `<table class="metrics"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body
    .map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function sampleBlock(kind: 'kept' | 'rationalized' | 'failure', title: string, parts: [string, string | undefined][]): string {
  const shown = parts.filter((p): p is [string, string] => p[1] !== undefined);
  return `<div class="sample ${kind}"><div class="label">${escapeHtml(title)}</div>${shown
    .map(([label, text]) => `<div class="label">${escapeHtml(label)}</div><pre>${escapeHtml(text)}</pre>`)
    .join('')}</div>`;
}

function iterationSamples(it: IterationReport): string {
  const s = it.samples;
  const state = it.metrics ? '' : ' (running)';
  if (!s)
    return `<h3>Iteration ${it.iteration}${state}</h3><p class="empty">Generation has not finished yet.</p>${evalCompletions(it.evalCompletions)}`;
  const blocks = [
    ...s.kept.map((k) => sampleBlock('kept', `kept · ${k.exampleId}`, [['saved text', k.text]])),
    ...s.rationalized.map((k) =>
      sampleBlock('rationalized', `rationalized · ${k.exampleId}`, [
        ['hint given', k.hint],
        ['saved text (as if no hint had been given)', k.text],
      ]),
    ),
    ...s.failures.map((f) =>
      sampleBlock('failure', `failure · ${f.exampleId}`, [
        ['asked', f.context],
        ['correct answer', f.answer],
        ['model output', f.output],
        ['hint given on retry', f.hint],
        ['output with the hint', f.hintedOutput],
      ]),
    ),
  ];
  const counts = `${s.kept.length} kept, ${s.rationalized.length} rationalized, ${s.failures.length} failures shown`;
  return `<h3>Iteration ${it.iteration}${state} <span class="meta">${counts}</span></h3>${
    blocks.length > 0 ? `<div class="samples">${blocks.join('')}</div>` : '<p class="empty">No samples saved.</p>'
  }${evalCompletions(it.evalCompletions)}`;
}

/** The eval pass's saved completions, right and wrong, as the model wrote them. */
export function evalCompletions(completions: EvalCompletion[] | undefined): string {
  if (!completions || completions.length === 0) return '';
  const right = completions.filter((c) => c.correct).length;
  const blocks = completions.map((c) =>
    sampleBlock(c.correct ? 'kept' : 'failure', `eval ${c.correct ? 'right' : 'wrong'} · ${c.exampleId} (${c.cls})`, [
      ['asked', c.context],
      ['correct answer', c.answer],
      ['model output', c.output],
    ]),
  );
  return `<h4>Eval completions <span class="meta">${right} right, ${completions.length - right} wrong shown</span></h4><div class="samples">${blocks.join('')}</div>`;
}

/**
 * How the loop ended, read from the store alone: every planned iteration has metrics, or the
 * early-stop rule (the workflow's own `reachedPlateau`) holds after the last one, so the workflow
 * stopped there. Empty while iterations remain and no rule says the run is over.
 */
export function ending(data: ReportData): string {
  const rows = data.iterations.filter((i) => i.metrics);
  if (rows.length === 0 || rows.length < data.iterations.length) return '';
  const planned = data.nIters !== undefined ? data.nIters - 1 : undefined;
  if (planned !== undefined && rows.length >= planned) return ' (all planned iterations)';
  if (
    data.earlyStop &&
    reachedPlateau(
      rows.map((i) => i.metrics?.overallAccuracy),
      data.earlyStop,
    )
  ) {
    const { patience, minDelta } = data.earlyStop;
    return ` (stopped early: overall dev accuracy did not improve by more than ${minDelta} for ${patience} iteration${patience === 1 ? '' : 's'})`;
  }
  return '';
}

export function reportPage(data: ReportData, charts: PageChart[]): string {
  const finished = data.iterations.filter((i) => i.metrics).length;
  const running = data.iterations.find((i) => !i.metrics);
  const status = `${finished} iteration${finished === 1 ? '' : 's'} finished${running ? `, iteration ${running.iteration} running or interrupted` : ''}${ending(data)}`;
  const chartHtml = charts.length
    ? charts
        .map(
          (c) =>
            `<figure class="chart" id="chart-${c.id}" data-title="${escapeHtml(c.title)}">${c.svg}<figcaption>${escapeHtml(c.title)} · ${escapeHtml(c.png)}</figcaption></figure>`,
        )
        .join('\n')
    : '<p class="empty">Nothing to plot yet.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`STaR report: ${data.experiment}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>STaR report: ${escapeHtml(data.experiment)}</h1>
<div class="meta">${escapeHtml(`${data.task ?? 'task unknown'} · ${status}${data.nIters !== undefined ? ` (loop to nIters ${data.nIters})` : ''} · ${data.dir} · made ${data.collectedAt.toISOString()}`)}</div>
<h2>Charts</h2>
<div class="charts">
${chartHtml}
</div>
<h2>Metrics</h2>
${metricsTable(data)}
<h2>Sample rationales</h2>
${data.baseEvalCompletions ? `<h3>Base model (iteration 0)</h3>${evalCompletions(data.baseEvalCompletions)}` : ''}
${data.iterations.map(iterationSamples).join('\n')}
</body>
</html>
`;
}
