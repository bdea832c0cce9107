/**
 * Tracking with the real trackers: a 2-iteration experiment (plus the base row) on the embedded tiny
 * model, logged to a real MLflow server (SQLite) and to W&B in offline mode, with the worker killed
 * (SIGKILL) once the tracker holds iteration 1's first metric, so the sync of that iteration is
 * interrupted or repeated. Read back through MLflow's REST API and W&B's own run files: the options as
 * params, every metric exactly once per iteration, the training loss, the report as artifacts.
 * Needs scripts/setup-tracking.sh (`npm run test:tracking` runs it first).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { starExperiment } from '../workflows/star-experiment';
import { trackingPython } from '../tracking/sync';
import { chaosInput, experimentName, startCluster, startWorker, type Cluster } from '../test-support/chaos-cluster';
import { waitUntil, type WorkerProcess } from '../test-support/processes';
import { startMlflowServer, type MlflowServer } from './helpers/mlflow-server';

interface Run {
  info: { run_id: string; status: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string }[] };
}
interface Metric {
  key: string;
  value: number;
  step: number;
}

void describe('tracking to MLflow and W&B', { timeout: 1_200_000 }, () => {
  let cluster: Cluster;
  let mlflow: MlflowServer;
  const workers: WorkerProcess[] = [];
  const python = trackingPython();

  before(async () => {
    assert.ok(existsSync(python), `no tracking Python at ${python}: run scripts/setup-tracking.sh (npm run test:tracking does)`);
    cluster = await startCluster();
    mlflow = await startMlflowServer(python, join(cluster.scratch, 'mlflow'));
    process.env.MLFLOW_TRACKING_URI = mlflow.uri;
    process.env.MLFLOW_EXPERIMENT_NAME = 'star-tracking-test';
    process.env.WANDB_MODE = 'offline';
    process.env.WANDB_PROJECT = 'star-tracking-test';
    process.env.WANDB_DIR = join(cluster.scratch, 'wandb');
    process.env.STAR_TEMPORAL_UI = 'http://localhost:8233';
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await mlflow?.stop();
    await cluster?.connection.close();
    await cluster?.server.stop();
  });

  const history = (runId: string, key: string) =>
    mlflow.get<{ metrics?: Metric[] }>('metrics/get-history', { run_id: runId, metric_key: key }).then((r) => r.metrics ?? []);

  async function findRun(experiment: string): Promise<Run | undefined> {
    const found = await mlflow
      .get<{ experiment?: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: 'star-tracking-test' })
      .catch(() => ({ experiment: undefined }));
    if (!found.experiment) return undefined;
    const { runs } = await mlflow.post<{ runs?: Run[] }>('runs/search', {
      experiment_ids: [found.experiment.experiment_id],
      filter: `tags.\`star.experiment\` = '${experiment}'`,
    });
    assert.ok((runs ?? []).length <= 1, `one MLflow run per experiment, found ${runs?.length}`);
    return runs?.[0];
  }

  void it('logs every fact once across a worker crash, to MLflow and W&B offline', async () => {
    const exp = experimentName('tracked');
    const root = join(cluster.scratch, 'runs');
    workers.push(await startWorker(cluster, 'first'));
    const handle = await cluster.client.workflow.start(starExperiment, {
      taskQueue: cluster.taskQueue,
      workflowId: exp,
      args: [chaosInput(cluster, exp, root, { baseEval: true, tracking: ['mlflow', 'wandb'] })],
    });

    // The kill point: iteration 1's first metric has reached MLflow (its sync may still be running).
    await waitUntil(
      async () => {
        const run = await findRun(exp);
        return run !== undefined && (await history(run.info.run_id, 'dev/accuracy')).some((m) => m.step === 1);
      },
      900_000,
      "iteration 1's dev accuracy in MLflow",
    );
    assert.equal((await findRun(exp))?.info.status, 'RUNNING', 'the run is RUNNING while iterations remain');
    await workers[0]!.crash();
    workers.push(await startWorker(cluster, 'second'));
    const result = await handle.result();
    assert.equal(result.outcome, 'finished');
    if (result.outcome !== 'finished') return;

    const run = await findRun(exp);
    assert.ok(run, 'the MLflow run exists');
    const runId = run.info.run_id;
    assert.equal(run.info.status, 'FINISHED', 'the run is FINISHED once every planned iteration is logged');
    const params = new Map((run.data.params ?? []).map((p) => [p.key, p.value]));
    assert.equal(params.get('nIters'), '3');
    assert.equal(params.get('task'), 'arithmetic');
    assert.equal(params.get('arithmetic.trainPerDigit'), '48');
    const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.get('temporal.workflow_id'), exp);
    assert.equal(tags.get('temporal.ui'), `http://localhost:8233/namespaces/default/workflows/${exp}`);

    const accuracy = await history(runId, 'dev/accuracy');
    const steps = (metrics: Metric[]) => metrics.map((m) => m.step).sort((a, b) => a - b);
    assert.deepEqual(steps(accuracy), [0, 1, 2], 'dev accuracy once per iteration, the base row included');
    const rows = [result.base!, ...result.metrics];
    for (const row of rows) assert.equal(accuracy.find((m) => m.step === row.iteration)?.value, row.overallAccuracy);
    for (const key of ['generation/kept', 'generation/rationalized', 'train/steps']) {
      assert.deepEqual(steps(await history(runId, key)), [1, 2], `${key} once per iteration`);
    }
    assert.deepEqual(steps(await history(runId, 'dev/accuracy/1')), [0, 1, 2], 'per-class accuracy');
    const loss = await history(runId, 'train/loss/iteration_1');
    assert.equal(loss.length, result.metrics[0]!.totalSteps, 'one loss point per training step of iteration 1');
    assert.equal(new Set(loss.map((m) => m.step)).size, loss.length, 'no loss step twice');

    const { files } = await mlflow.get<{ files?: { path: string }[] }>('artifacts/list', { run_id: runId, path: 'report' });
    const artifacts = (files ?? []).map((f) => f.path);
    assert.ok(artifacts.includes('report/index.html'), `report/index.html among ${artifacts.join(', ')}`);
    assert.ok(
      artifacts.some((p) => p.endsWith('.png')),
      'the report charts',
    );

    // W&B offline: every run directory of this run id (one per sync) is accepted by `wandb sync`, and
    // together they hold each iteration once.
    const wandbDir = join(process.env.WANDB_DIR!, 'wandb');
    const runDirs = readdirSync(wandbDir).filter((d) => d.startsWith('offline-run-') && d.includes(exp));
    assert.ok(runDirs.length >= 1, `offline runs of ${exp} in ${wandbDir}`);
    const wandbCli = join(python, '..', 'wandb');
    // wandb prints its verdict on stderr.
    const dryRun = spawnSync(wandbCli, ['sync', '--dry-run', ...runDirs.map((d) => join(wandbDir, d))], {
      encoding: 'utf8',
      env: process.env,
    });
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.match(dryRun.stdout + dryRun.stderr, new RegExp(`Would sync ${runDirs.length} run`));
    const logged = runDirs.flatMap((d) => {
      const read = JSON.parse(
        execFileSync(python, [join(__dirname, 'helpers', 'read_wandb.py'), join(wandbDir, d)], { encoding: 'utf8' }),
      ) as { history: Record<string, unknown>[] };
      return read.history;
    });
    const iterations = logged.filter((h) => 'dev/accuracy' in h).map((h) => h.iteration);
    assert.deepEqual(iterations.sort(), [0, 1, 2], 'W&B: each iteration logged once');
    const lossSteps = logged.filter((h) => 'train/loss/iteration_1' in h).map((h) => h['train/step']);
    assert.equal(lossSteps.length, result.metrics[0]!.totalSteps, 'W&B: iteration 1 loss once per step');
  });
});
