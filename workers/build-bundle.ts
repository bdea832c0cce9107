/**
 * Prebuilds the workflow bundle for production workers (`STAR_WORKFLOW_BUNDLE=<path>`):
 *   npx tsx workers/build-bundle.ts [dist/workflow-bundle.js]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './experiment-worker';

export async function buildWorkflowBundle(outPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const full = resolve(outPath);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, code);
  return full;
}

if (require.main === module) {
  buildWorkflowBundle(process.argv[2] ?? 'dist/workflow-bundle.js').then(
    (path) => console.log(path),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
