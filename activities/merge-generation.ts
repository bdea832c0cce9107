/**
 * Merges the generation shards of an iteration into the kept text of the record folder
 * (`{exp}_{i-1}/{exp}_{i-1}.txt`): kept examples in their original order, joined by a blank line.
 * The result is the same for any shard count.
 */
import { joinSavedExamples } from '../core/saved-text';
import { mergeGenerationResults, type GenerationResult } from '../core/rationale-selection';
import { readJson, writeBytes } from '../storage';
import type { ActivityDeps } from './deps';
import { asActivity, badInput } from '../activity-context/failures';
import { generationCounts } from './generate-shard';
import { inputKey, once } from './manifest';
import { whileHeartbeating } from '../activity-context/progress';
import type { MergeGenerationInput, MergeGenerationResult } from '../contracts/activities';

export async function mergeGeneration(_deps: ActivityDeps, input: MergeGenerationInput): Promise<MergeGenerationResult> {
  return asActivity(`merging the generation shards (iteration ${input.iteration})`, async () => {
    const key = inputKey({ step: 'merge-generation', shardUris: input.shardUris, keptTextUri: input.keptTextUri });
    return once(input.manifestUri, key, () =>
      whileHeartbeating('merging shards', async () => {
        const parts: GenerationResult[] = [];
        for (const uri of input.shardUris) {
          const part = await readJson<GenerationResult>(uri);
          if (!part || !Array.isArray(part.kept) || typeof part.counts !== 'object') {
            throw badInput(
              `${uri} is not a generation shard output ({kept, counts}); delete it and its .done.json to regenerate the shard`,
            );
          }
          parts.push(part);
        }
        const merged = mergeGenerationResults(parts);
        await writeBytes(input.keptTextUri, joinSavedExamples(merged.kept.map((k) => k.text)));
        return { keptTextUri: input.keptTextUri, counts: generationCounts(merged) };
      }),
    );
  });
}
