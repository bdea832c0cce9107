import { END_OF_TEXT } from './tokenizer';

/**
 * A sampled continuation ends at the first `<|endoftext|>` (the model stopped there), even mid-line;
 * everything after it is ignored. The rest is read line by line.
 */
export function outputLines(output: string): string[] {
  return cutAtEndOfText(output).split('\n');
}

/** The text before the first `<|endoftext|>` (all of it when there is none), as the reference's `split("<|endoftext|>")[0]`. */
export function cutAtEndOfText(text: string): string {
  const end = text.indexOf(END_OF_TEXT);
  return end === -1 ? text : text.slice(0, end);
}
