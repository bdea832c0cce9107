/**
 * Prebuilds the workflow bundle for production workers (`STAR_WORKFLOW_BUNDLE=<path>`):
 *   npx tsx workers/build-bundle.ts [dist/workflow-bundle.js]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './experiment-worker';

const USAGE = 'usage: npx tsx workers/build-bundle.ts [OUT]   (OUT defaults to dist/workflow-bundle.js)';
const HELP = `${USAGE}\n\nBundles the workflows for workers started with STAR_WORKFLOW_BUNDLE=OUT, and prints OUT's full path.`;

export class BundleUsageError extends Error {
  override readonly name = 'BundleUsageError';
}

/** The arguments: `--help`, or at most one output path (an option is never taken for a path). */
export function bundleArguments(argv: string[]): { help: boolean; out: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new BundleUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new BundleUsageError(`expected one output path, got ${positionals.join(' ')}\n${USAGE}`);
  return { help: values.help === true, out: positionals[0] ?? 'dist/workflow-bundle.js' };
}

export async function buildWorkflowBundle(outPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const full = resolve(outPath);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, code);
  return full;
}

if (require.main === module) {
  let args: { help: boolean; out: string };
  try {
    args = bundleArguments(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (args.help) {
    console.log(HELP);
  } else {
    buildWorkflowBundle(args.out).then(
      (path) => console.log(path),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  }
}
