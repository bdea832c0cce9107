import { promptFileName, splitPromptFile } from '../core/few-shot';
import { joinUri, readText } from '../storage';

/** A task's few-shot prompt file (`{datasetDir}/{taskFolder}/prompts*.txt`), split into its examples. */
export async function loadPromptFile(
  datasetDir: string,
  taskFolder: string,
  options: { answerKey: boolean; direct: boolean },
): Promise<string[]> {
  const uri = joinUri(datasetDir, taskFolder, promptFileName(options));
  return splitPromptFile(await readText(uri));
}
