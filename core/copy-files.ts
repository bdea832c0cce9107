/**
 * copy_n: after iteration i, the last `copy_n` files of the previous record folder are copied into the
 * new one. The reference orders a folder's files by the integer after the last `_` of the name before
 * the first `.` (`exp_3.txt` → 3).
 */
import { BadInputError } from './errors';
export class RecordFileNameError extends BadInputError {
  override readonly name = 'RecordFileNameError';
}

export function recordFileNumber(fileName: string): number {
  const base = fileName.split('/').pop() as string;
  const stem = base.split('.')[0] as string;
  const last = stem.split('_').pop() as string;
  if (!/^-?\d+$/.test(last))
    throw new RecordFileNameError(`record file "${fileName}" does not end in _<number>; the reference sorts record folders by that number`);
  return Number(last);
}

export function sortRecordFiles(fileNames: readonly string[]): string[] {
  return [...fileNames].sort((a, b) => recordFileNumber(a) - recordFileNumber(b));
}

/** The files copy_n copies (none when copyN is 0). */
export function filesToCopy(fileNames: readonly string[], copyN: number): string[] {
  if (!Number.isInteger(copyN) || copyN < 0) throw new RangeError(`copy_n ${copyN} must be a non-negative integer`);
  if (copyN === 0) return [];
  return sortRecordFiles(fileNames).slice(-copyN);
}
