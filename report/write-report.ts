/**
 * Builds an experiment's report from its store and writes it into a local folder: `index.html`
 * (self-contained) and one PNG per chart. Files are written under a temporary name and renamed, so
 * a page refreshed while `star run` rewrites it never shows half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { normaliseRoot, schemeOf, localPathOf } from '../storage';
import { experimentLayout } from '../contracts/layout';
import { reportCharts } from './chart-specs';
import { collectReport, type ReportData } from './collect';
import { NO_FONT_ADVICE, reportFont } from './fonts';
import { reportPage, type PageChart } from './page';
import { renderChart } from './render-chart';

export interface WrittenReport {
  dir: string;
  html: string;
  pngs: string[];
  data: ReportData;
  /** What the reader should know (e.g. no font for the PNGs' text). */
  warnings: string[];
}

/**
 * Where the report goes by default: `report/` in the experiment's folder for a local store, else
 * `reports/{experiment}/` under the current folder (a gs:// report is still read on this machine).
 */
export function defaultReportDir(storageRoot: string, experiment: string): string {
  const root = normaliseRoot(storageRoot);
  if (schemeOf(root) === 'file') return join(localPathOf(experimentLayout(root, experiment).dir), 'report');
  return resolve('reports', experiment);
}

export async function writeReport(
  storageRoot: string,
  experiment: string,
  outDir = defaultReportDir(storageRoot, experiment),
): Promise<WrittenReport> {
  const data = await collectReport(storageRoot, experiment);
  const font = reportFont();
  const warnings = font.file ? [] : [NO_FONT_ADVICE];
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const charts: PageChart[] = [];
  const pngs: string[] = [];
  for (const chart of reportCharts(data)) {
    const rendered = await renderChart(chart.spec, font);
    const png = `${chart.id}.png`;
    writeAtomically(join(dir, png), rendered.png);
    pngs.push(join(dir, png));
    charts.push({ id: chart.id, title: chart.title, svg: rendered.svg, png });
  }
  const html = join(dir, 'index.html');
  writeAtomically(html, reportPage(data, charts));
  return { dir, html, pngs, data, warnings };
}

function writeAtomically(path: string, content: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
