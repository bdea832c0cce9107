import { join, resolve } from 'node:path';

/**
 * The project's state folder (`.state/` of the checkout, or $STAR_STATE_DIR): the local dev server's
 * database and log live here, so a stopped `star run` resumes where it was.
 */
export function stateDir(env: Record<string, string | undefined> = process.env): string {
  return env.STAR_STATE_DIR ? resolve(env.STAR_STATE_DIR) : join(__dirname, '..', '.state');
}
