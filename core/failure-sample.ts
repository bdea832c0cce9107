/**
 * A small seeded sample of the generation pass's failures (examples it did not keep), saved so a
 * person can see what the model gets wrong. Each failure gets a keyed rank (seed, example id), and a
 * sample is the `FAILURE_SAMPLE_SIZE` lowest ranks: the lowest of a union are the lowest of each
 * part's lowest, so the merged sample is the same for any shard count or chunk size. Nothing here
 * touches the kept set.
 */
import { keyedUnit } from './prng';
import { END_OF_TEXT } from './tokenizer';

/** Failures kept per generation pass (and per merged iteration). */
export const FAILURE_SAMPLE_SIZE = 8;

/** Outputs are cut to this many characters: enough to read a rationale, small in the shard file. */
const MAX_OUTPUT_CHARS = 600;

export interface FailedExample {
  exampleId: string;
  /** Keyed rank in [0, 1): the sample is the lowest ranks. */
  rank: number;
  /** What the model was asked (hint-free). */
  context: string;
  /** The correct answer. */
  answer: string;
  /** The plain pass's output, up to its end of text. */
  output: string;
  /** The hinted retry's output, when the failure was retried with a hint and failed again. */
  hintedOutput?: string;
  /** The hint the retry was given. */
  hint?: string;
}

export function failureRank(seed: number, exampleId: string): number {
  return keyedUnit(seed, 'failure-sample', exampleId);
}

/** The output as the model ended it (what follows end of text is not the model's answer), shortened. */
export function trimmedOutput(output: string): string {
  const end = output.indexOf(END_OF_TEXT);
  const text = end >= 0 ? output.slice(0, end) : output;
  return text.length > MAX_OUTPUT_CHARS ? `${text.slice(0, MAX_OUTPUT_CHARS)}…` : text;
}

/** The lowest-ranked `size` failures of all the parts, ties broken by example id. */
export function sampleFailures(parts: readonly (readonly FailedExample[] | undefined)[], size = FAILURE_SAMPLE_SIZE): FailedExample[] {
  const all = parts.flatMap((part) => part ?? []);
  all.sort((a, b) => a.rank - b.rank || (a.exampleId < b.exampleId ? -1 : a.exampleId > b.exampleId ? 1 : 0));
  return all.slice(0, size);
}
