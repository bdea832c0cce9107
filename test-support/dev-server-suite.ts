/**
 * The one suite fixture of the end-to-end tests: before a suite's tests, a Temporal dev server, one
 * of our workers on a fresh task queue, and when asked the tiny base model (built while the server
 * starts) and whatever runs alongside (a host worker); after them, all of it stopped, last started
 * first. Call it at the top of a `describe`; read `suite.env`, `suite.worker` and `suite.baseModel`
 * inside hooks and tests registered after it.
 */
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../activities';
import { startDevServer, startWorker, type RunningWorker } from './temporal';
import { tinyBaseModel } from './tiny-model';

export interface DevServerSuite {
  readonly env: TestWorkflowEnvironment;
  readonly worker: RunningWorker;
  /** The tiny base model's checkpoint URI (with `baseModel: true`). */
  readonly baseModel: string;
}

export interface DevServerSuiteOptions {
  /** Runs first, before the server starts (models or data the suite needs). */
  prepare?: () => void | Promise<void>;
  /** Builds (or reuses) the tiny base model while the server starts. */
  baseModel?: boolean;
  /** Dependencies of the worker's activities (e.g. a chunk size), or false for no worker. */
  worker?: Partial<ActivityDeps> | false;
  /** Started once the worker runs and stopped before it: e.g. a host worker. */
  alongside?: (suite: DevServerSuite) => Promise<{ stop(): Promise<void> }>;
}

export function devServerSuite(options: DevServerSuiteOptions = {}): DevServerSuite {
  let env: TestWorkflowEnvironment | undefined;
  let worker: RunningWorker | undefined;
  let baseModel: string | undefined;
  let alongside: { stop(): Promise<void> } | undefined;
  const suite: DevServerSuite = {
    get env() {
      return ready(env, 'env');
    },
    get worker() {
      if (options.worker === false) throw new Error('this suite has no worker: drop `worker: false` from its devServerSuite options');
      return ready(worker, 'worker');
    },
    get baseModel() {
      if (!options.baseModel) throw new Error('this suite has no base model: pass `baseModel: true` to its devServerSuite');
      return ready(baseModel, 'baseModel');
    },
  };
  before(async () => {
    await options.prepare?.();
    [env, baseModel] = await Promise.all([startDevServer(), options.baseModel ? tinyBaseModel() : undefined]);
    if (options.worker !== false) worker = await startWorker(env, options.worker);
    alongside = await options.alongside?.(suite);
  });
  after(async () => {
    await alongside?.stop();
    await worker?.stop();
    await env?.teardown();
  });
  return suite;
}

function ready<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`suite.${name} is set by the suite's before hook: read it inside a test or a later hook`);
  return value;
}
