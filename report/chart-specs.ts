/**
 * The report's charts as vega-lite specs, one function per chart, each fed the rows it plots. A
 * chart with nothing to plot yet (a running experiment's first iteration) is left out.
 */
// The package's types are reached by path: this project's moduleResolution (node) ignores `exports`.
import type { TopLevelSpec } from 'vega-lite/build/index';
import type { ReportData } from './collect';

export interface ChartSpec {
  /** File name stem of its PNG. */
  id: string;
  title: string;
  spec: TopLevelSpec;
}

// Two charts side by side on a laptop screen.
const WIDTH = 430;
const HEIGHT = 240;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

function base(title: string, values: object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    padding: 12,
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 12 } },
    data: { values },
  } as const;
}

const iterationAxis = { field: 'iteration', type: 'ordinal', axis: { labelAngle: 0 } } as const;

/** The class label a person reads: digit counts for arithmetic, the task otherwise. */
function classLabel(cls: string): string {
  return /^\d+$/.test(cls) ? `${cls}-digit` : cls;
}

export function accuracyChart(data: ReportData): ChartSpec | undefined {
  const rows = [data.base, ...data.iterations.map((i) => i.metrics)].filter((m) => m?.accuracy !== undefined);
  const classes = new Set(rows.flatMap((m) => Object.keys(m?.accuracy ?? {})));
  const values = rows.flatMap((m) => {
    const perClass =
      classes.size > 1
        ? Object.entries(m?.accuracy ?? {}).map(([cls, a]) => ({
            iteration: m!.iteration,
            series: classLabel(cls),
            accuracy: 100 * a.accuracy,
          }))
        : [];
    const overall = m?.overallAccuracy ?? Object.values(m?.accuracy ?? {})[0]?.accuracy;
    return overall === undefined ? perClass : [...perClass, { iteration: m!.iteration, series: 'overall', accuracy: 100 * overall }];
  });
  if (values.length === 0) return undefined;
  const title = classes.size > 1 ? 'Dev accuracy per class' : 'Dev accuracy';
  return {
    id: 'accuracy',
    title,
    spec: {
      ...base(title, values),
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { ...iterationAxis, title: data.base ? 'iteration (0 = base model)' : 'iteration' },
        y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [0, 100] } },
        color: { field: 'series', type: 'nominal', title: 'class', sort: null },
        // With classes drawn, overall is the dashed line among them.
        ...(classes.size > 1 ? { strokeDash: { condition: { test: "datum.series === 'overall'", value: [6, 3] }, value: [1, 0] } } : {}),
      },
    },
  };
}

export function examplesChart(data: ReportData): ChartSpec | undefined {
  const values = data.iterations.flatMap(({ metrics: m }) =>
    m && m.attempted !== undefined
      ? [
          { iteration: m.iteration, kind: 'attempted', count: m.attempted },
          { iteration: m.iteration, kind: 'kept', count: m.kept ?? 0 },
          { iteration: m.iteration, kind: 'rationalized', count: m.rationalized ?? 0 },
        ]
      : [],
  );
  if (values.length === 0) return undefined;
  const title = 'Attempted, kept and rationalized examples';
  const order = ['attempted', 'kept', 'rationalized'];
  return {
    id: 'examples',
    title,
    spec: {
      ...base(title, values),
      mark: 'bar',
      encoding: {
        x: { ...iterationAxis, title: 'iteration' },
        xOffset: { field: 'kind', sort: order },
        y: { field: 'count', type: 'quantitative', title: 'examples' },
        color: { field: 'kind', type: 'nominal', title: '', sort: order },
      },
    },
  };
}

export function stepsChart(data: ReportData): ChartSpec | undefined {
  const values = data.iterations.flatMap(({ metrics: m }) =>
    m?.totalSteps !== undefined ? [{ iteration: m.iteration, steps: m.totalSteps }] : [],
  );
  if (values.length === 0) return undefined;
  const title = 'Training steps per iteration';
  return {
    id: 'steps',
    title,
    spec: {
      ...base(title, values),
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: {
        x: { ...iterationAxis, title: 'iteration' },
        y: { field: 'steps', type: 'quantitative', title: 'total_steps' },
      },
    },
  };
}

export function lossChart(data: ReportData): ChartSpec | undefined {
  const values = data.iterations.flatMap((it) =>
    it.loss.map((p) => ({ iteration: `iteration ${it.iteration}`, step: p.step, loss: p.loss })),
  );
  if (values.length === 0) return undefined;
  const title = 'Training loss per step';
  return {
    id: 'loss',
    title,
    spec: {
      ...base(title, values),
      mark: { type: 'line', strokeWidth: 1.5, point: values.length <= 60 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'loss', type: 'quantitative', title: 'loss (answer tokens)', scale: { zero: false } },
        color: { field: 'iteration', type: 'nominal', title: '', sort: null },
      },
    },
  };
}

const PHASES = ['generate', 'records', 'config', 'train', 'eval', 'copy'];

export function timeChart(data: ReportData): ChartSpec | undefined {
  const values = data.iterations.flatMap(({ metrics: m }) =>
    Object.entries(m?.seconds ?? {}).map(([phase, seconds]) => ({ iteration: m!.iteration, phase, seconds, order: PHASES.indexOf(phase) })),
  );
  if (values.length === 0) return undefined;
  const title = 'Time per phase';
  return {
    id: 'time',
    title,
    spec: {
      ...base(title, values),
      mark: 'bar',
      encoding: {
        x: { ...iterationAxis, title: 'iteration' },
        y: { field: 'seconds', type: 'quantitative', title: 'seconds', stack: 'zero' },
        color: { field: 'phase', type: 'nominal', title: 'phase', sort: PHASES },
        order: { field: 'order', type: 'quantitative' },
      },
    },
  };
}

/** Every chart that has data, in the order the page shows them. */
export function reportCharts(data: ReportData): ChartSpec[] {
  return [accuracyChart, examplesChart, stepsChart, lossChart, timeChart]
    .map((chart) => chart(data))
    .filter((c): c is ChartSpec => c !== undefined);
}
