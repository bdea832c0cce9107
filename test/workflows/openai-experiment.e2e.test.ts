/**
 * `inference: "openai"` through the workflow on a real Temporal dev server: each pass's server is
 * `star serve`, started by a host worker from `serveCommandTemplate` for the checkpoint that samples.
 * Two iterations keep the same examples and reach the same accuracy as the embedded path; a server
 * killed mid-generation is restarted and the shard resumes; a refused request and a wrong URL fail
 * the run non-retryably, naming the cause.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { signalGroup } from '../../processes/process-group';
import { normaliseRoot } from '../../storage';
import { hostSettings } from '../../workers/host-worker';
import type { ExperimentInput } from '../../contracts/experiment-input';
import { iterationLayout } from '../../contracts/layout';
import type { IterationMetrics } from '../../contracts/metrics';
import { starExperiment } from '../../workflows/star-experiment';
import { repoRoot, waitUntil } from '../../test-support/processes';
import { captureHistories, startHostWorker, uniqueExperiment } from '../../test-support/temporal';
import { devServerSuite } from '../../test-support/dev-server-suite';
import { scratchDir, tinyExperiment, writeBaseConfig } from '../../test-support/experiment-input';

const SERVE = `${process.execPath} ${join(repoRoot, 'bin', 'star.js')} serve --checkpoint {checkpoint} --port {port} --host {host} --log-requests`;

/** What must match between the embedded and the openai run (timings and losses aside). */
function outcomeOf(metrics: IterationMetrics[]) {
  return metrics.map((m) => ({
    iteration: m.iteration,
    attempted: m.attempted,
    kept: m.kept,
    rationalized: m.rationalized,
    totalSteps: m.totalSteps,
    accuracy: m.accuracy,
  }));
}

void describe('starExperiment sampling through OpenAI-compatible servers', { timeout: 600_000 }, () => {
  let baseConfig: string;
  const dir = scratchDir('openai-exp');
  const hostName = `serve-${process.pid}`;
  const stateDir = join(dir, 'host-state');
  let embedded: IterationMetrics[];
  const suite = devServerSuite({
    baseModel: true,
    // One example per saved chunk, so a killed server leaves a shard part-done.
    alongside: ({ env }) =>
      startHostWorker(env, hostSettings({ host: hostName, workdir: repoRoot, killGraceSeconds: 5, stateDir, quiet: true }), {
        serve: true,
        shardDeps: { chunkSize: 1 },
      }),
  });

  before(() => {
    baseConfig = writeBaseConfig(dir);
  });

  const input = (exp: string, overrides: Partial<ExperimentInput> = {}): ExperimentInput =>
    tinyExperiment(exp, join(dir, 'runs'), suite.baseModel, baseConfig, { shards: 2, ...overrides });
  const served = (exp: string, overrides: Partial<ExperimentInput> = {}) =>
    input(exp, { inference: 'openai', serveCommandTemplate: SERVE, hosts: [hostName], inferenceRetrySeconds: 3, ...overrides });
  const run = async (args: ExperimentInput) =>
    suite.env.client.workflow.start(starExperiment, { taskQueue: suite.worker.taskQueue, workflowId: args.experiment, args: [args] });
  const finished = async (handle: Awaited<ReturnType<typeof run>>) => {
    const result = await handle.result();
    assert.ok(result.outcome === 'finished', `the run finished: ${result.outcome}`);
    return result;
  };

  void it('keeps the same examples and reaches the same accuracy as the embedded sampler', async () => {
    const base = await finished(await run(input(uniqueExperiment('embedded'))));
    embedded = base.metrics;
    assert.ok(
      embedded.every((m) => m.kept > 0),
      'the tiny model keeps examples each iteration',
    );
    const exp = uniqueExperiment('openai');
    const handle = await run(served(exp));
    const result = await finished(handle);
    await captureHistories(suite.env, handle, 'openai-serve');
    assert.deepEqual(outcomeOf(result.metrics), outcomeOf(embedded));
    // Each pass sampled from a server serving its checkpoint (iteration i's eval server, still up,
    // also serves iteration i+1's generation: the same checkpoint), logged to the store.
    const root = normaliseRoot(join(dir, 'runs'));
    const logs = result.metrics.flatMap((row) =>
      ['generate', 'eval'].map((pass) =>
        join(new URL(iterationLayout(root, exp, row.iteration).work).pathname, pass, `serve-${hostName}.log`),
      ),
    );
    const text = logs
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    for (const checkpoint of [suite.baseModel, ...result.metrics.map((row) => row.checkpointUri)]) {
      assert.ok(text.includes(`serving ${checkpoint} on port`), `a server served ${checkpoint}:\n${text}`);
    }
    // Once no shard needs it, the last server is stopped.
    await waitUntil(() => !existsSync(join(stateDir, `host-${hostName}.server.json`)), 60_000, 'the last server to stop');
  });

  void it('restarts a server killed mid-generation; the shard resumes and nothing is lost', async () => {
    const exp = uniqueExperiment('killed');
    const handle = await run(served(exp, { shards: 1 }));
    const chunks = join(
      new URL(iterationLayout(normaliseRoot(join(dir, 'runs')), exp, 1).generateShard(0, 1)).pathname.replace(/\.json$/, '.chunks'),
    );
    const note = join(stateDir, `host-${hostName}.server.json`);
    // As soon as the first chunk is saved, the server serving the rest dies.
    await waitUntil(() => existsSync(chunks) && readdirSync(chunks).length > 0, 120_000, 'the first saved chunk');
    const { pgid } = JSON.parse(readFileSync(note, 'utf8')) as { pgid: number };
    signalGroup(pgid, 'SIGKILL');
    const result = await finished(handle);
    assert.deepEqual(outcomeOf(result.metrics), outcomeOf(embedded));
    const log = readFileSync(join(chunks, '..', `serve-${hostName}.log`), 'utf8');
    assert.equal(log.match(/: serving .* on port/g)?.length, 2, `the generation server was started again:\n${log}`);
    assert.match(log.slice(log.lastIndexOf(': serving ')), /completions: \d+ prompt/, 'the new server sampled the rest');
  });

  void it('fails without retrying, naming the field, when the server refuses a request', async () => {
    const handle = await run(served(uniqueExperiment('refused'), { temperature: 3 }));
    const err = await handle.result().catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, String(err));
    const message = `${err.cause?.message} ${(err.cause?.cause as Error | undefined)?.message ?? ''}`;
    assert.match(message, /generating/);
    assert.match(message, /answered HTTP 400: temperature: /);
    const history = await handle.fetchHistory();
    const attempts =
      history.events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt) ?? [];
    assert.ok(
      attempts.every((a) => a === 1),
      `no activity was retried: ${attempts.join(',')}`,
    );
  });

  void it('fails without retrying, naming the URL, when no server answers there', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as { port: number }).port}/v1`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const handle = await run(input(uniqueExperiment('nourl'), { inference: 'openai', inferenceUrl: url, inferenceRetrySeconds: 1 }));
    const err = await handle.result().catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(`${err.cause?.message}`.includes(`could not reach the inference server at ${url}/models`), err.cause?.message);
  });
});
