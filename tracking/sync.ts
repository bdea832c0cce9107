/**
 * Brings the experiment's tracker runs (MLflow, W&B) up to date with what its store holds: the
 * options as params, each stored metrics row (the base row too) at `step = iteration`, the training
 * loss per step, the report as artifacts. It logs through the trackers' own Python SDKs
 * (python/star_tracking/sync.py), which log only what the tracker lacks: MLflow is asked what each
 * metric has; W&B, which cannot be asked offline, keeps a ledger beside the experiment. So a retry,
 * a resume or a sync after a tracker outage logs each fact once and loses none.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { SyncTrackingInput, SyncTrackingResult } from '../contracts/activities';
import type { Tracker } from '../contracts/experiment-input';
import { joinUri } from '../contracts/uri';
import { experimentLayout } from '../contracts/layout';
import { BadInputError } from '../core/errors';
import type { MetricsRow } from '../report/schemas';
import { exists, localPathOf, readText, schemeOf, writeJson } from '../storage';
import { writeReport } from '../report/write-report';
import { ending } from '../report/page';
import { KeyedQueue } from '../core/keyed-queue';

const PROJECT_ROOT = resolve(__dirname, '..');

/** The Python that has mlflow and wandb: STAR_TRACKING_PYTHON, else the venv scripts/setup-tracking.sh makes. */
export function trackingPython(): string {
  return process.env.STAR_TRACKING_PYTHON ?? join(PROJECT_ROOT, '.tools', 'tracking-venv', 'bin', 'python');
}

const wandbLedgerSchema = z.object({ runId: z.string(), iterations: z.array(z.number().int()), lossIterations: z.array(z.number().int()) });
const syncOutputSchema = z.object({
  mlflow: z.object({ runId: z.string(), logged: z.number() }).passthrough().optional(),
  wandb: z.object({ runId: z.string(), logged: z.number(), runDir: z.string(), ledger: wandbLedgerSchema }).passthrough().optional(),
});

export interface TrackedIteration {
  step: number;
  metrics: Record<string, number>;
}

/** One stored metrics row as tracker metrics: dev accuracy overall and per class, generation, training, time per phase. */
export function trackedMetrics(row: MetricsRow): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  };
  put('dev/accuracy', row.overallAccuracy);
  for (const [cls, acc] of Object.entries(row.accuracy ?? {})) put(`dev/accuracy/${cls}`, acc.accuracy);
  if (row.iteration > 0) {
    put('generation/attempted', row.attempted);
    put('generation/kept', row.kept);
    put('generation/rationalized', row.rationalized);
    put('generation/samples', row.samples);
    put('generation/correct_samples', row.correctSamples);
    put('generation/distinct_kept', row.distinctKept);
    if (typeof row.questionsWithCorrect === 'number' && row.attempted)
      put('generation/pass_at_k', row.questionsWithCorrect / row.attempted);
    put('train/steps', row.totalSteps);
    put('train/examples', row.trainExamples);
    put('train/final_loss', row.loss);
  }
  for (const [phase, seconds] of Object.entries(row.seconds ?? {})) put(`seconds/${phase}`, seconds);
  return out;
}

/** Options as flat params: nested settings as dotted keys, lists as JSON. */
export function trackedParams(options: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      Object.assign(out, trackedParams(value as Record<string, unknown>, name));
    else if (value !== undefined) out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** A tracker that cannot be reached or failed: retrying later can help. */
export class TrackerUnavailableError extends Error {
  override name = 'TrackerUnavailableError';
}

export interface SyncContext {
  /** The experiment's workflow (its ID and namespace become tags). */
  workflowId: string;
  namespace: string;
  /** Called every few seconds while the trackers' SDKs work (an activity heartbeats). */
  beat: () => void;
}

/**
 * One sync of an experiment at a time in this worker. A sync whose heartbeats came late (a loaded
 * machine) is retried while its first attempt still runs; the retry waits for it here, then reads the
 * W&B ledger the first attempt wrote, instead of logging the same iterations beside it.
 */
const syncs = new KeyedQueue();

export function syncExperimentTrackers(input: SyncTrackingInput, context: SyncContext): Promise<SyncTrackingResult> {
  return syncs.run(experimentLayout(input.root, input.experiment).dir, () => syncOnce(input, context));
}

async function syncOnce(input: SyncTrackingInput, context: SyncContext): Promise<SyncTrackingResult> {
  {
    const layout = experimentLayout(input.root, input.experiment);
    const ledgerUri = joinUri(layout.dir, 'tracking', 'wandb.json');
    const scratch = mkdtempSync(join(tmpdir(), 'star-tracking-'));
    try {
      context.beat();
      const report = await writeReport(input.root, input.experiment, join(scratch, 'report'));
      const rows = [report.data.base, ...report.data.iterations.map((i) => i.metrics)].filter((r): r is MetricsRow => r !== undefined);
      const finished = new Set(rows.map((r) => r.iteration));
      const options = (await exists(layout.inputJson)) ? (JSON.parse(await readText(layout.inputJson)) as Record<string, unknown>) : {};
      const { workflowId, namespace } = context;
      const ui = process.env.STAR_TEMPORAL_UI;
      const payload = {
        trackers: input.trackers,
        experiment: input.experiment,
        storageDir: layout.dir,
        params: trackedParams(options),
        tags: {
          'star.experiment': input.experiment,
          'star.storage': layout.dir,
          'temporal.workflow_id': workflowId,
          'temporal.namespace': namespace,
          ...(ui ? { 'temporal.ui': `${ui.replace(/\/+$/, '')}/namespaces/${namespace}/workflows/${workflowId}` } : {}),
        },
        iterations: rows.map((row: MetricsRow): TrackedIteration => ({ step: row.iteration, metrics: trackedMetrics(row) })),
        // Loss of finished iterations only: a running iteration's curve is still growing.
        loss: report.data.iterations
          .filter((i) => finished.has(i.iteration))
          .flatMap((i) => i.loss.map((p) => ({ iteration: i.iteration, step: p.step, loss: p.loss }))),
        artifactsDir: report.dir,
        // The loop's end as the report reads it from the store: the trackers mark the run finished.
        ended: ending(report.data) !== '',
        wandbDir:
          schemeOf(layout.dir) === 'file' ? join(localPathOf(layout.dir), 'tracking') : join(tmpdir(), 'star-wandb', input.experiment),
        wandbLedger:
          input.trackers.includes('wandb') && (await exists(ledgerUri))
            ? wandbLedgerSchema.parse(JSON.parse(await readText(ledgerUri)))
            : null,
      };
      const output = syncOutputSchema.parse(JSON.parse(await runSync(payload, context.beat)));
      if (output.wandb) await writeJson(ledgerUri, output.wandb.ledger);
      const runs: SyncTrackingResult['runs'] = {};
      for (const tracker of input.trackers) {
        const run = output[tracker];
        if (run) runs[tracker] = { runId: run.runId, logged: run.logged };
      }
      return { runs };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

/** Runs python/star_tracking/sync.py with the payload on stdin; heartbeats while it runs. */
function runSync(payload: { trackers: Tracker[] }, beat: () => void): Promise<string> {
  const python = trackingPython();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, ['-m', 'star_tracking.sync'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PYTHONPATH: [join(PROJECT_ROOT, 'python'), process.env.PYTHONPATH].filter(Boolean).join(':') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const beating = setInterval(beat, 5000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearInterval(beating);
      if (err.code === 'ENOENT') {
        reject(
          new BadInputError(
            `tracking ${payload.trackers.join(',')}: no Python at ${python}: run scripts/setup-tracking.sh on this machine, or set STAR_TRACKING_PYTHON to a Python with mlflow and wandb`,
          ),
        );
      } else reject(err);
    });
    child.on('close', (code) => {
      clearInterval(beating);
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      if (code === 0) resolvePromise(stdout);
      else if (code === 2) reject(new BadInputError(tail));
      else reject(new TrackerUnavailableError(`tracking ${payload.trackers.join(',')} failed (exit ${code}): ${tail}`));
    });
    child.stdin.end(JSON.stringify(payload));
  });
}
