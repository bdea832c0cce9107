/**
 * The eval pass's saved completions, right and wrong (core/eval-sample.ts), read back for the
 * report: the shards' samples (`shard-{k}-of-{K}.samples.json`) merged into the pass's sample.
 */
import { z } from 'zod';
import { sampleEvalCompletions, type EvalCompletion } from '../core/eval-sample';
import { readText } from '../storage';

const evalCompletionSchema = z.looseObject({
  exampleId: z.string(),
  cls: z.string(),
  rank: z.number(),
  correct: z.boolean(),
  context: z.string(),
  answer: z.string(),
  output: z.string(),
});

/** The merged sample of the eval shards under `evalPrefix`, or undefined when none saved one (runs from before eval kept completions). */
export async function evalCompletionsOf(files: string[], evalPrefix: string): Promise<EvalCompletion[] | undefined> {
  const sampleFiles = files.filter((f) => f.startsWith(evalPrefix) && /\/shard-\d+-of-\d+\.samples\.json$/.test(f));
  if (sampleFiles.length === 0) return undefined;
  const parts: EvalCompletion[][] = [];
  for (const uri of sampleFiles) {
    const parsed = z.array(evalCompletionSchema).safeParse(JSON.parse(await readText(uri)));
    if (parsed.success) parts.push(parsed.data);
  }
  return sampleEvalCompletions(parts);
}
