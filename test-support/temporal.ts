/**
 * A real Temporal dev server for tests (the `temporal` CLI's, never a mock), a workflow bundle built
 * once per test process, and a worker of ours on a fresh task queue.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ensureTemporalCli } from '../cli/temporal-binary';
import { createWorker, WORKFLOWS_PATH } from '../workers/experiment-worker';
import { createHostWorker } from '../workers/host-worker';
import { hostInferenceServers, type HostSettings } from '../host';
import type { ActivityDeps } from '../activities';

let runtimeInstalled = false;

/** Workers log every state change at INFO; tests show warnings and errors only. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli() },
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'error' },
    },
  });
}

let bundle: Promise<{ code: string }> | undefined;

/** The workflows bundled once per test process (webpack takes seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }).then(({ code }) => ({ code }));
  return bundle;
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** Starts one of our workers on a fresh task queue; `stop` shuts it down and waits. */
export async function startWorker(env: TestWorkflowEnvironment, activityDeps?: Partial<ActivityDeps>): Promise<RunningWorker> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activityDeps,
    extra: { shutdownGraceTime: '1s' },
  });
  return running(worker, taskQueue);
}

/**
 * A host worker (`workers/host.ts`) in this process on `settings.host`'s task queue, quiet, with the
 * inference servers it starts for serveCommandTemplate when `serve` is set. `stop` shuts the worker
 * down, then stops every server it started.
 */
export async function startHostWorker(
  env: TestWorkflowEnvironment,
  settings: HostSettings,
  options: { serve?: boolean; shardDeps?: Partial<ActivityDeps> } = {},
): Promise<{ stop(): Promise<void> }> {
  const quiet = { ...settings, say: () => undefined };
  const servers = options.serve ? hostInferenceServers(quiet) : undefined;
  const worker = await createHostWorker(env.nativeConnection, env.namespace ?? 'default', quiet, servers, options.shardDeps);
  const run = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await run;
      await servers?.stopAll();
    },
  };
}

/**
 * A worker of the real workflow code with activities the test gives (typed mocks, see
 * mock-activities.ts) on a fresh task queue. Heartbeats go out at once, so a mock that heartbeats
 * hears of its cancellation within milliseconds.
 */
export async function startMockWorker(env: TestWorkflowEnvironment, activities: object): Promise<RunningWorker> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    maxHeartbeatThrottleInterval: '20ms',
    shutdownGraceTime: '1s',
  });
  return running(worker, taskQueue);
}

/** A worker of activities only, on a given task queue (a host's `star-host-{host}`). */
export async function startActivityWorker(env: TestWorkflowEnvironment, taskQueue: string, activities: object): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    activities,
    maxHeartbeatThrottleInterval: '20ms',
    shutdownGraceTime: '1s',
  });
  return running(worker, taskQueue);
}

function running(worker: Worker, taskQueue: string): RunningWorker {
  const run = worker.run();
  return {
    worker,
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run;
    },
  };
}

export function uniqueExperiment(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Every run of a workflow chain (continue-as-new), first to last, with its history. */
type History = temporal.api.history.v1.IHistory;

/** A started workflow: its ID and the run to start from (a reset's new run, for instance). */
export type RunRef = Pick<WorkflowHandleWithFirstExecutionRunId, 'workflowId' | 'firstExecutionRunId'>;

export async function historiesOf(client: Client, handle: RunRef): Promise<{ runId: string; history: History }[]> {
  const out: { runId: string; history: History }[] = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    out.push({ runId, history });
    const events = history.events ?? [];
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return out;
}

/**
 * With STAR_CAPTURE_HISTORIES=1 (see test/histories/capture.ts), saves every run's history of a
 * scenario as test/histories/{scenario}-{n}.json for the replay test. The JSON comes from
 * `temporal workflow show --output json`, the format every Temporal tool reads (the SDK's own
 * historyToJSON trips over the two protobufjs versions installed here).
 */
export async function captureHistories(env: TestWorkflowEnvironment, handle: RunRef, scenario: string): Promise<void> {
  if (process.env.STAR_CAPTURE_HISTORIES !== '1') return;
  const dir = join(__dirname, '..', 'test', 'histories');
  mkdirSync(dir, { recursive: true });
  const runs = await historiesOf(env.client, handle);
  runs.forEach(({ runId }, n) => {
    const json = execFileSync(
      ensureTemporalCli(),
      [
        'workflow',
        'show',
        '--address',
        env.address,
        '--namespace',
        env.namespace ?? 'default',
        '--workflow-id',
        handle.workflowId,
        '--run-id',
        runId,
        '--output',
        'json',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    // Stack traces name the capturing machine's folders; replay does not read them.
    const withoutStacks = json.replace(/"stackTrace": "(?:[^"\\]|\\.)*"/g, '"stackTrace": ""');
    writeFileSync(join(dir, `${scenario}-${n + 1}.json`), withoutStacks.endsWith('\n') ? withoutStacks : `${withoutStacks}\n`);
  });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
