/** Sums the eval shards' tallies into the iteration's accuracy per class (and overall); joins their correct examples (new_dev.txt). */
import { mergeCounts, type ClassCounts } from '../core/accuracy';
import { exists, readJson, readText } from '../storage';
import { joinSavedExamples } from '../core/saved-text';
import { newDevUriOf } from '../contracts/layout';
import type { ClassAccuracy } from '../contracts/metrics';
import type { ActivityDeps } from './deps';
import { asActivity } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { heartbeat } from '../activity-context/progress';
import type { MergeEvalInput, MergeEvalResult } from '../contracts/activities';

export async function mergeEval(_deps: ActivityDeps, input: MergeEvalInput): Promise<MergeEvalResult> {
  return asActivity(`merging the eval shards (iteration ${input.iteration})`, async () => {
    const key = inputKey({ step: 'merge-eval', shardUris: input.shardUris, summaryUri: input.summaryUri });
    return once(input.manifestUri, key, async (output) => {
      heartbeat({ kind: 'step', doing: 'merging eval shards' });
      const parts: ClassCounts[] = [];
      for (const uri of input.shardUris) parts.push(await readJson<ClassCounts>(uri));
      const counts = mergeCounts(parts);
      const accuracy: Record<string, ClassAccuracy> = {};
      let correct = 0;
      let total = 0;
      for (const [cls, c] of Object.entries(counts)) {
        accuracy[cls] = { correct: c.correct, total: c.total, accuracy: c.total === 0 ? 0 : c.correct / c.total };
        correct += c.correct;
        total += c.total;
      }
      const overallAccuracy = total === 0 ? 0 : correct / total;
      // Shards finished before the eval saved its correct examples have none to join.
      const newDev: string[] = [];
      for (const uri of input.shardUris) if (await exists(newDevUriOf(uri))) newDev.push(await readText(newDevUriOf(uri)));
      await output.writeBytes(newDevUriOf(input.summaryUri), joinSavedExamples(newDev.filter((text) => text !== '')));
      await output.writeJson(input.summaryUri, { iteration: input.iteration, accuracy, overallAccuracy });
      return { summaryUri: input.summaryUri, accuracy, overallAccuracy };
    });
  });
}
