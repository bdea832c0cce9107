import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'star.js');

export interface StarRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `star` command (bin/star.js) in a child process, without any Temporal connection settings. */
export function runStar(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): StarRun {
  const cleanEnv: Record<string, string | undefined> = { ...process.env, TEMPORAL_ADDRESS: undefined, ...env };
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: cleanEnv as NodeJS.ProcessEnv,
    timeout: 60_000,
    cwd,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
