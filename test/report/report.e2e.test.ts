/**
 * `star report` on what a real experiment wrote: two STaR iterations of the tiny arithmetic
 * experiment on a real Temporal dev server, then the report built from the store alone (the server
 * is gone by then), on file:// and gs://, finished and mid-run; its PNGs decoded and its HTML opened
 * in headless Chromium.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { joinUri, localPathOf, normaliseRoot, writeBytes } from '../../storage';
import { iterationLayout } from '../../contracts/layout';
import type { IterationMetrics } from '../../contracts/metrics';
import { starExperiment } from '../../workflows/star-experiment';
import { writeReport, type WrittenReport } from '../../report/write-report';
import { renderedDom, screenshot } from '../helpers/chromium';
import { gcsSkipReason, startGcsEmulator } from '../helpers/gcs-emulator';
import { pngContent } from '../helpers/png';
import { startDevServer, startWorker, uniqueExperiment } from '../../test-support/temporal';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';
import { tinyBaseModel } from '../../test-support/tiny-model';

const CHART_TITLES = [
  'Dev accuracy',
  'Attempted, kept and rationalized examples',
  'Training steps per iteration',
  'Training loss per step',
  'Time per phase',
];
const PNGS = ['accuracy.png', 'examples.png', 'steps.png', 'loss.png', 'time.png'];
/** vega's default category colours, as Chromium paints them. */
const PALETTE = ['76,120,168', '245,133,24', '228,87,86', '114,183,178', '84,162,75'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

void describe('star report', { timeout: 600_000 }, () => {
  let root: string;
  let exp: string;
  let metrics: IterationMetrics[];
  let report: WrittenReport;

  before(async () => {
    const [env, baseModel] = await Promise.all([startDevServer(), tinyBaseModel()]);
    try {
      const worker = await startWorker(env);
      try {
        root = scratchDir('report');
        exp = uniqueExperiment('report');
        const result = await env.client.workflow.execute(starExperiment, {
          taskQueue: worker.taskQueue,
          workflowId: exp,
          args: [tinyExperiment(exp, root, baseModel, writeBaseConfig(root))],
        });
        assert.equal(result.outcome, 'finished');
        metrics = result.metrics;
      } finally {
        await worker.stop();
      }
    } finally {
      await env.teardown();
    }
    report = await writeReport(root, exp, join(root, 'out'));
  });

  void it('writes one HTML file and a PNG per chart from the store alone, with every iteration in it', () => {
    assert.deepEqual(readdirSync(report.dir).sort(), ['index.html', ...PNGS].sort());
    assert.deepEqual(
      report.data.iterations.map((i) => i.iteration),
      [1, 2],
    );
    const its = report.data.iterations;
    assert.deepEqual(
      its.map((i) => i.metrics?.kept),
      metrics.map((m) => m.kept),
    );
    // The loss of every step was saved while training: 4 then 6 steps.
    assert.deepEqual(
      its.map((i) => i.loss.map((p) => p.step)),
      metrics.map((m) => Array.from({ length: m.totalSteps }, (_, s) => s + 1)),
    );
    assert.equal(its[1]?.loss.at(-1)?.loss, metrics[1]?.loss, 'the last saved loss is the one the metrics row reports');

    const html = readFileSync(report.html, 'utf8');
    for (const title of CHART_TITLES) assert.ok(html.includes(title), `the page has the chart "${title}"`);
    assert.doesNotMatch(html, /<script|<link|src="http|href="http/, 'self-contained: no script, no external resource');
    assert.equal((html.match(/<svg/g) ?? []).length >= PNGS.length, true, 'the charts are inlined as SVG');
  });

  void it('shows kept, rationalized and failed rationales of each iteration', () => {
    for (const [k, it] of report.data.iterations.entries()) {
      const row = metrics[k]!;
      const samples = it.samples!;
      assert.ok(samples.kept.length > 0 && samples.kept.every((s) => !s.rationalized && s.text.includes('Target:')));
      assert.equal(samples.rationalized.length > 0, row.rationalized > 0);
      assert.ok(
        samples.rationalized.every((s) => s.rationalized && s.hint !== undefined),
        'a rationalization shows its hint',
      );
      assert.equal(samples.failures.length > 0, row.attempted > row.kept, 'failures are shown when there were any');
      for (const f of samples.failures) assert.ok(f.context.includes('Input:') && f.answer.length > 0);
    }
    const html = readFileSync(report.html, 'utf8');
    assert.match(html, /hint given/);
    assert.match(html, /class="sample failure"/);
  });

  void it('draws PNGs of the charts at twice the SVG size, with ink and colour in them', () => {
    for (const png of PNGS) {
      const content = pngContent(join(report.dir, png));
      assert.ok(content.width >= 800 && content.height >= 450, `${png} is ${content.width}x${content.height}`);
      assert.ok(content.inked > 0.01, `${png} is almost blank (${(100 * content.inked).toFixed(1)}% inked)`);
      assert.ok(content.colours > 20, `${png} has ${content.colours} colours: text and marks are missing`);
      assert.ok((content.counts.get(PALETTE[0]!) ?? 0) > 100, `${png} has no data marks in vega's first colour`);
    }
  });

  void it('opens in headless Chromium with the chart titles in the DOM and drawn charts on screen', () => {
    const dom = renderedDom(report.html);
    for (const title of CHART_TITLES)
      assert.ok(dom.includes(`data-title="${title}`) && dom.includes(`>${title}</text>`), `"${title}" is drawn in the page`);
    const shot = join(root, 'screenshot.png');
    screenshot(report.html, shot, 1280, 1600);
    // Below the page's heading: the five charts, two side by side.
    const content = pngContent(shot, { x: 0, y: 120, width: 1280, height: 1400 });
    assert.ok(content.inked > 0.05, `the chart area of the screenshot is blank (${(100 * content.inked).toFixed(1)}% inked)`);
    const painted = PALETTE.filter((colour) => (content.counts.get(colour) ?? 0) > 200);
    assert.ok(painted.length >= 4, `only ${painted.length} of vega's colours are on screen: the charts did not draw`);
  });

  void it('reports a running experiment: finished iterations plotted, the running one marked', async () => {
    const copy = scratchDir('report-running');
    cpSync(root, copy, { recursive: true, filter: (src) => !src.includes(`${join(root, 'out')}`) });
    // Iteration 2 as while it evaluates: trained, no metrics row yet.
    rmSync(localPathOf(iterationLayout(normaliseRoot(copy), exp, 2).metrics));
    const running = await writeReport(copy, exp, join(copy, 'out'));
    assert.deepEqual(
      running.data.iterations.map((i) => [i.iteration, i.metrics !== undefined]),
      [
        [1, true],
        [2, false],
      ],
    );
    assert.equal(running.data.iterations[1]?.loss.length, metrics[1]?.totalSteps, 'its loss so far is plotted');
    const html = readFileSync(running.html, 'utf8');
    assert.match(html, /1 iteration finished, iteration 2 running/);
    assert.match(html, /Iteration 2 \(running\)/);
  });

  void it('reads a gs:// store the same way', async (t) => {
    const skip = gcsSkipReason();
    if (skip) return t.skip(skip);
    const gcs = await startGcsEmulator();
    try {
      const gsRoot = joinUri(gcs.rootUri, 'runs');
      const expDir = join(root, exp);
      for (const file of filesUnder(expDir)) await writeBytes(joinUri(gsRoot, exp, relative(expDir, file)), readFileSync(file));
      const fromGcs = await writeReport(gsRoot, exp, join(root, 'out-gs'));
      assert.deepEqual(readdirSync(fromGcs.dir).sort(), ['index.html', ...PNGS].sort());
      assert.deepEqual(
        fromGcs.data.iterations.map((i) => [i.metrics?.kept, i.loss.length, i.samples?.failures.length]),
        report.data.iterations.map((i) => [i.metrics?.kept, i.loss.length, i.samples?.failures.length]),
      );
      assert.ok(existsSync(fromGcs.html));
    } finally {
      await gcs.stop();
    }
  });
});
