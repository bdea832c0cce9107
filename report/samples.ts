/**
 * The rationales a person reads to judge quality: a few kept on the first try, a few kept through
 * rationalization (with the hint they were given) and a few failures (from the seeded failure
 * sample the shards save). Picked by a keyed rank of the example id, so the same run always shows
 * the same ones, whatever the shard count (each iteration its own).
 */
import { keyedUnit } from '../core/prng';
import { sampleFailures } from '../core/failure-sample';
import type { FailedSample, GenerationShard, KeptSample } from './schemas';

export const SAMPLES_PER_KIND = 3;

export interface IterationSamples {
  kept: KeptSample[];
  rationalized: KeptSample[];
  failures: FailedSample[];
}

export function pickSamples(shards: readonly GenerationShard[], iteration: number, perKind = SAMPLES_PER_KIND): IterationSamples {
  const kept = shards.flatMap((s) => s.kept);
  const ranked = (examples: KeptSample[]) =>
    examples
      .map((e) => ({ e, rank: keyedUnit(iteration, 'report-sample', e.exampleId) }))
      .sort((a, b) => a.rank - b.rank)
      .slice(0, perKind)
      .map(({ e }) => e);
  return {
    kept: ranked(kept.filter((k) => !k.rationalized)),
    rationalized: ranked(kept.filter((k) => k.rationalized)),
    failures: sampleFailures(
      shards.map((s) => s.failures),
      perKind,
    ) as FailedSample[],
  };
}
