/**
 * The reference's `device_train.py` reads its training index from `data/{train_set}` relative to its
 * working directory, so each host puts the iteration's index there before starting the command. Only
 * the index is copied: its lines are gs:// URIs of record files, which the trainer reads itself.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { readBytes } from '../storage';
import { BadInputError } from '../core/errors';

export class TrainingIndexError extends BadInputError {
  override readonly name = 'TrainingIndexError';
}

/** `{workdir}/data/{trainSet}`, refusing a name that would land outside `data/`. */
export function trainingIndexPath(workdir: string, trainSet: string): string {
  const data = resolve(workdir, 'data');
  const path = resolve(data, trainSet);
  const inside = relative(data, path);
  if (!inside || inside.startsWith('..') || inside.split(sep).includes('..')) {
    throw new TrainingIndexError(`train_set ${JSON.stringify(trainSet)} is not a path inside ${data}`);
  }
  return path;
}

/** Copies the index at `indexUri` to `{workdir}/data/{trainSet}` (atomically: a trainer never reads half a file). */
export async function copyTrainingIndex(indexUri: string, workdir: string, trainSet: string): Promise<string> {
  const path = trainingIndexPath(workdir, trainSet);
  const bytes = await readBytes(indexUri);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
  return path;
}
