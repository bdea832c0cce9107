import { joinUri, readText } from '../storage';

/** Few-shot prompt files are split on blank lines, exactly as the reference does (`read().split("\n\n")`). */
export function splitPromptFile(text: string): string[] {
  return text.split('\n\n');
}

/** The reference's prompt file name for a variant. */
export function promptFileName(options: { answerKey: boolean; direct: boolean }): string {
  return `prompts${options.direct ? '_direct' : ''}${options.answerKey ? '_answer_key' : ''}.txt`;
}

export async function loadPromptFile(datasetDir: string, taskFolder: string, options: { answerKey: boolean; direct: boolean }): Promise<string[]> {
  const uri = joinUri(datasetDir, taskFolder, promptFileName(options));
  return splitPromptFile(await readText(uri));
}
