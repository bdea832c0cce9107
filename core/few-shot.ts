import { universalNewlines } from './python-text';

/**
 * Few-shot prompt files are split on blank lines, exactly as the reference does (`read().split("\n\n")`),
 * after reading newlines as its text-mode `open` does: `\r\n` and a lone `\r` become `\n`.
 */
export function splitPromptFile(text: string): string[] {
  return universalNewlines(text).split('\n\n');
}

/** The reference's prompt file name for a variant. */
export function promptFileName(options: { answerKey: boolean; direct: boolean }): string {
  return `prompts${options.direct ? '_direct' : ''}${options.answerKey ? '_answer_key' : ''}.txt`;
}
