import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROOT } from '../../scripts/make-tiny-lm';
import { startHostWorker } from '../../test/helpers/temporal';
import { hostSettings } from '../../workers/host';

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
