/**
 * Headless Chromium for tests that look at a page as a person would: a screenshot and the DOM after
 * layout. Debian's `chromium` package (scripts/install-chromium.sh); CHROMIUM names another binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

export function chromiumBinary(): string {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of NAMES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error(
    'no headless Chromium found: run `bash scripts/install-chromium.sh` (Debian: apt-get install chromium), or set CHROMIUM=/path/to/chrome',
  );
}

function runChromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'star-chromium-'));
  try {
    const run = spawnSync(
      chromiumBinary(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) throw new Error(`chromium ${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr.slice(-2000)}`);
    return run.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Saves a screenshot of the local HTML file at the given window size. */
export function screenshot(htmlPath: string, pngPath: string, width: number, height: number): void {
  runChromium([`--screenshot=${pngPath}`, `--window-size=${width},${height}`, pathToFileURL(htmlPath).href]);
}

/** The DOM of the local HTML file as Chromium built it. */
export function renderedDom(htmlPath: string): string {
  return runChromium(['--dump-dom', pathToFileURL(htmlPath).href]);
}
