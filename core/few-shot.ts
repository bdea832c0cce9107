/** Few-shot prompt files are split on blank lines, exactly as the reference does (`read().split("\n\n")`). */
export function splitPromptFile(text: string): string[] {
  return text.split('\n\n');
}

/** The reference's prompt file name for a variant. */
export function promptFileName(options: { answerKey: boolean; direct: boolean }): string {
  return `prompts${options.direct ? '_direct' : ''}${options.answerKey ? '_answer_key' : ''}.txt`;
}
