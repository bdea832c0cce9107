import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROOT } from '../../scripts/make-tiny-lm';
import { devServerSuite, type DevServerSuite } from '../../test-support/dev-server-suite';
import { startHostWorker } from '../../test-support/temporal';
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

/**
 * The dev-server suite fixture (test-support/dev-server-suite.ts) with the project host `host`
 * (startProjectHost) alongside its experiment worker; `prepare` (models the suite needs) runs first.
 */
export function projectHostSuite(
  dir: string,
  host: string,
  options: { prepare?: () => void | Promise<void>; environment?: NodeJS.ProcessEnv } = {},
): DevServerSuite {
  return devServerSuite({ prepare: options.prepare, alongside: ({ env }) => startProjectHost(env, dir, host, options.environment) });
}
