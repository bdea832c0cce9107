/**
 * The second judgement of the larger-number task, on what an experiment saved: of the examples a
 * saved text holds (an eval's `new_dev.txt`, the dev questions answered right; or a generation's kept
 * text), how many also state the right rationale (rationale.ts), per class. The answer-only checker of
 * task.json chose them; this shows how many were right for the right reason.
 *
 *   npx tsx configs/tasks/larger-number/judge-saved.ts runs/EXP/iterations/1/eval/new_dev.txt [...]
 */
import { readFileSync } from 'node:fs';
import { splitSavedText } from '../../../core/saved-text';
import { questionNumbers, rationaleIsRight } from './rationale';

for (const file of process.argv.slice(2)) {
  const tally: Record<string, { saved: number; rationaleRight: number }> = {};
  for (const doc of splitSavedText(readFileSync(file, 'utf8'))) {
    const found = /Q: Which is larger, (\d+ or \d+)\?[^\n]*\nA:([^\n]*)/.exec(doc);
    if (!found) continue;
    const [first, second] = questionNumbers(found[1] as string) ?? [0, 0];
    const cls = first > second ? 'first' : 'second';
    const entry = (tally[cls] ??= { saved: 0, rationaleRight: 0 });
    entry.saved += 1;
    if (rationaleIsRight(found[1] as string, found[2] as string)) entry.rationaleRight += 1;
  }
  console.log(JSON.stringify({ file, ...tally }));
}
