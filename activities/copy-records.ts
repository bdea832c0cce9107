/**
 * copyN (the reference's copy_files): copies the last `copyN` text files of this iteration's record
 * folder into the next one, ordered by the iteration number at the end of their names.
 */
import { filesToCopy } from '../core/copy-files';
import { list, readBytes, writeBytes } from '../storage';
import type { ActivityDeps } from './deps';
import { asActivity } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { whileHeartbeating } from '../activity-context/progress';
import type { CopyRecordsInput, CopyRecordsResult } from '../contracts/activities';

export async function copyRecords(_deps: ActivityDeps, input: CopyRecordsInput): Promise<CopyRecordsResult> {
  return asActivity(`copying records (iteration ${input.iteration})`, async () => {
    const key = inputKey({ step: 'copy', ...input });
    return once(input.manifestUri, key, () =>
      whileHeartbeating(`copying the last ${input.copyN} record file(s)`, async () => {
        const chosen = filesToCopy(
          (await list(input.fromFolder)).filter((uri) => uri.endsWith('.txt')),
          input.copyN,
        );
        const copied: string[] = [];
        for (const uri of chosen) {
          const name = uri.slice(uri.lastIndexOf('/') + 1);
          const target = `${input.toFolder.replace(/\/+$/, '')}/${name}`;
          await writeBytes(target, await readBytes(uri));
          copied.push(target);
        }
        return { copied };
      }),
    );
  });
}
