import { END_OF_TEXT } from './tokenizer';

/**
 * A sampled continuation ends at the first `<|endoftext|>` (the model stopped there), even mid-line;
 * everything after it is ignored. The rest is read line by line.
 */
export function outputLines(output: string): string[] {
  const end = output.indexOf(END_OF_TEXT);
  return (end === -1 ? output : output.slice(0, end)).split('\n');
}
