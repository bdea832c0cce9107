import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { localPathOf, schemeOf } from '../storage/uri';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { UsageError } from './errors';

/**
 * `star run` runs its worker here, so a base model on this machine that is missing can be reported
 * before the experiment starts (and fails on its first step under the experiment's name).
 * gs:// locations are checked by the worker itself.
 */
export function checkLocalBaseModel(options: ExperimentOptions): void {
  if (options.trainer !== 'embedded' || schemeOf(options.baseModelLocation) === 'gs') return;
  const dir = localPathOf(options.baseModelLocation);
  if (existsSync(join(dir, 'manifest.json'))) return;
  const build =
    options.task === 'arithmetic'
      ? ' Build the arithmetic base model with `npx tsx scripts/pretrain-arithmetic-base.ts --out ' + options.baseModelLocation + '`, or'
      : '';
  throw new UsageError(
    `baseModelLocation ${options.baseModelLocation} is not an embedded-model checkpoint (${join(dir, 'manifest.json')} does not exist).${build} ` +
      'point --set baseModelLocation=... at a checkpoint folder (one with manifest.json).',
  );
}
