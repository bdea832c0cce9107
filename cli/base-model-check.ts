import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { localPathOf, schemeOf } from '../storage/uri';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { trainerNamed } from '../trainers';
import { UsageError } from './errors';

/**
 * `star run` runs its worker here, so a base model on this machine that is missing can be reported
 * before the experiment starts (and fails on its first step under the experiment's name).
 * gs:// locations are checked by the worker itself.
 */
export function checkLocalBaseModel(options: ExperimentOptions): void {
  if (trainerNamed(options.trainer).baseModel !== 'embedded-checkpoint' || schemeOf(options.baseModelLocation) === 'gs') return;
  const dir = localPathOf(options.baseModelLocation);
  if (existsSync(join(dir, 'manifest.json'))) return;
  const build =
    options.task === 'arithmetic'
      ? ' Build the arithmetic base model with `npx tsx scripts/pretrain-arithmetic-base.ts --out ' + options.baseModelLocation + '`, or'
      : '';
  const where = isAbsolute(dir)
    ? join(dir, 'manifest.json')
    : `${resolve(dir, 'manifest.json')}; a relative path is read from the current folder, ${process.cwd()}`;
  throw new UsageError(
    `baseModelLocation ${options.baseModelLocation} is not an embedded-model checkpoint (${where} does not exist).${build} ` +
      'point --set baseModelLocation=... at a checkpoint folder (one with manifest.json).',
  );
}
