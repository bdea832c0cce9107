import { commonsenseQaContext, commonsenseQaExample, commonsenseQaRowSchema, checkCommonsenseQa } from '../core/tasks/commonsenseqa';
import type { Split, Task } from '../core/example';
import { joinUri } from '../storage';
import { loadJsonl } from './jsonl';
import { loadPromptFile } from './prompt-files';

/** CommonsenseQA: core's rules over `{datasetDir}/commonsenseqa/{split}_rand_split.jsonl` and its prompt files. */
export const commonsenseQaTask: Task = {
  name: 'commonsenseqa',
  async loadSplit(datasetDir: string, split: Split) {
    const rows = await loadJsonl(joinUri(datasetDir, 'commonsenseqa', `${split}_rand_split.jsonl`), commonsenseQaRowSchema);
    return rows.map(commonsenseQaExample);
  },
  context: (example, { hint }) => commonsenseQaContext(example, hint),
  loadFewShot: (datasetDir, options) => loadPromptFile(datasetDir, 'commonsenseqa', options),
  check: (example, output) => checkCommonsenseQa(example, output),
};
