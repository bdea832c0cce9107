import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROOT } from '../../scripts/make-tiny-lm';
import { startDevServer, startHostWorker, startWorker, type RunningWorker } from '../../test/helpers/temporal';
import { hostSettings } from '../../workers/host-worker';

/**
 * An in-process host worker (serving too) whose working directory `{dir}/host-workdir` has the
 * project's .tools: the presets' relative `.tools/...-venv/bin/python` then resolves as in a
 * checkout, and the host copies each training index into that folder's data/, not the project's.
 */
export function startProjectHost(
  env: TestWorkflowEnvironment,
  dir: string,
  host: string,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<{ stop(): Promise<void> }> {
  const workdir = join(dir, 'host-workdir');
  mkdirSync(workdir, { recursive: true });
  symlinkSync(join(ROOT, '.tools'), join(workdir, '.tools'));
  const settings = hostSettings({ host, workdir, killGraceSeconds: 10, stateDir: join(dir, 'host-state'), quiet: true }, environment);
  return startHostWorker(env, settings, { serve: true });
}

/** What a suite of `projectHostSuite` runs experiments with; set once its `before` hook has run. */
export interface ProjectHostSuite {
  env: TestWorkflowEnvironment;
  worker: RunningWorker;
}

/**
 * Registers the suite's hooks: `prepare` (models the suite needs), then a dev server, an experiment
 * worker and the project host `host` (startProjectHost) before its tests; all three stopped after.
 */
export function projectHostSuite(
  dir: string,
  host: string,
  options: { prepare?: () => void | Promise<void>; environment?: NodeJS.ProcessEnv } = {},
): ProjectHostSuite {
  const suite = {} as ProjectHostSuite;
  let hostWorker: { stop(): Promise<void> } | undefined;
  before(async () => {
    await options.prepare?.();
    suite.env = await startDevServer();
    suite.worker = await startWorker(suite.env);
    hostWorker = await startProjectHost(suite.env, dir, host, options.environment);
  });
  after(async () => {
    await hostWorker?.stop();
    await suite.worker?.stop();
    await suite.env?.teardown();
  });
  return suite;
}
