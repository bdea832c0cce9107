import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The real splits (read-only, never copied into the repo); tests that need them skip when absent. */
export const REAL_DATA_DIR = process.env.STAR_DATA_DIR ?? path.join(__dirname, '../../../shared/data/star');
export const realDataSkip: string | false = existsSync(path.join(REAL_DATA_DIR, 'commonsenseqa'))
  ? false
  : `real STaR data not found at ${REAL_DATA_DIR} (set STAR_DATA_DIR to run these tests)`;

/** Small synthetic splits and prompts in the reference layout. */
export const FIXTURE_DATA_DIR = path.join(__dirname, '../fixtures/core/star');
export const FIXTURES = path.join(__dirname, '../fixtures/core');

export function tempDir(prefix = 'star-core-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}
