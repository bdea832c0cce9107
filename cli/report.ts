import { spawn } from 'node:child_process';
import { onePositional, parseCommandArgs } from './args';
import { checkExperimentName } from './experiment-name';
import { clientStorageRoot } from './storage-root';

const USAGE = 'star report <experiment> [--storage-root ROOT] [--out DIR] [--open]';

const HELP = `usage: ${USAGE}

Writes an experiment's report: index.html (one self-contained page: charts, metrics table, sample
rationales of each iteration) and a PNG per chart (accuracy per class against iteration, attempted /
kept / rationalized examples, training steps, training loss per step, time per phase).
It reads only the experiment's store, so no Temporal server is needed; for a running experiment it
shows what has finished so far. \`star run\` refreshes it after every iteration.

  --storage-root ROOT  the experiment's storageRoot: a folder, file:///abs/path or gs://bucket/prefix
                       (default runs, the input's default)
  --out DIR            where to write (default: report/ in the experiment's folder for a local root,
                       reports/<experiment>/ here for gs://)
  --open               open the page in the default browser`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'storage-root': { type: 'string' }, out: { type: 'string' }, open: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const experiment = checkExperimentName(onePositional(positionals, 'experiment name', USAGE));
  // Loaded here, as dispatch loads commands (`require`: tsx's CommonJS hook): only this command needs vega.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeReport } = require('../report/write-report') as typeof import('../report/write-report');
  // An experiment not found (or a bad STAR_REPORT_FONT) is a BadInputError: one line, status 2.
  const written = await writeReport(clientStorageRoot(values['storage-root'] ?? 'runs'), experiment, values.out);
  for (const warning of written.warnings) console.error(`star report: ${warning}`);
  const finished = written.data.iterations.filter((i) => i.metrics).length;
  console.log(`Report of ${experiment} (${finished} finished iteration${finished === 1 ? '' : 's'}): ${written.html}`);
  console.log(`Charts: ${written.pngs.join(', ')}`);
  if (values.open) openInBrowser(written.html);
  return 0;
}

function openInBrowser(path: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [path], { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`star report: could not start ${opener}; open ${path} in a browser`));
  child.unref();
}
