/**
 * A small seeded sample of the eval pass's raw completions, right and wrong, saved beside the
 * accuracy so a person can see why a model scores what it does (a 0% cannot otherwise be looked into
 * without rebuilding prompts by hand). Each completion gets a keyed rank (seed, example id) and the
 * sample is the lowest ranks of each kind: the lowest of a union are the lowest of each part's
 * lowest, so merged shards give the same sample for any shard count. Nothing here touches the counts.
 */
import { keyedUnit } from './prng';
import { trimmedOutput } from './failure-sample';

/** Completions kept per kind (right, wrong) per eval pass. */
export const EVAL_SAMPLE_SIZE = 4;

export interface EvalCompletion {
  exampleId: string;
  cls: string;
  /** Keyed rank in [0, 1): the sample is the lowest ranks. */
  rank: number;
  correct: boolean;
  /** What the model was asked (the question, without the few-shot examples). */
  context: string;
  answer: string;
  /** The completion as the model ended it, shortened. */
  output: string;
}

export function evalCompletion(seed: number, fields: Omit<EvalCompletion, 'rank' | 'output'> & { output: string }): EvalCompletion {
  return { ...fields, rank: keyedUnit(seed, 'eval-sample', fields.exampleId), output: trimmedOutput(fields.output) };
}

/** The lowest-ranked `size` right and `size` wrong completions of all the parts (ties by example id), right first. */
export function sampleEvalCompletions(
  parts: readonly (readonly EvalCompletion[] | undefined)[],
  size = EVAL_SAMPLE_SIZE,
): EvalCompletion[] {
  const all = parts.flatMap((part) => part ?? []);
  all.sort((a, b) => a.rank - b.rank || (a.exampleId < b.exampleId ? -1 : a.exampleId > b.exampleId ? 1 : 0));
  return [...all.filter((c) => c.correct).slice(0, size), ...all.filter((c) => !c.correct).slice(0, size)];
}
