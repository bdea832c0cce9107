import { checkGsm, gsmContext, gsmExample, gsmRowSchema, type GsmHint } from '../core/tasks/gsm';
import type { Split, Task } from '../core/example';
import { joinUri } from '../storage';
import { loadJsonl } from './jsonl';
import { loadPromptFile } from './prompt-files';

/** The gsm task; `hint` chooses what a hinted context shows (see `GsmHint`). */
export function createGsmTask(options: { hint?: GsmHint } = {}): Task {
  const gsmHint = options.hint ?? 'answer';
  return {
    name: 'gsm',
    async loadSplit(datasetDir: string, split: Split) {
      const rows = await loadJsonl(joinUri(datasetDir, 'gsm', `${split}_rand_split.jsonl`), gsmRowSchema);
      return rows.map((row, index) => gsmExample(row, split, index));
    },
    context: (example, { hint }) => gsmContext(example, hint, gsmHint),
    loadFewShot: (datasetDir, options) => loadPromptFile(datasetDir, 'gsm', options),
    check: (example, output) => checkGsm(example, output),
  };
}

export const gsmTask: Task = createGsmTask();
