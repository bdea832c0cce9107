/**
 * One shard of an iteration's eval pass (dev split, the model just trained): plain prompt, no hints,
 * nothing saved; writes the per-class tally to its output URI, then its manifest.
 */
import { mergeCounts } from '../core/accuracy';
import { runEvalPassKeeping, type EvalPassResult } from '../core/rationale-selection';
import { sampleEvalCompletions, type EvalCompletion } from '../core/eval-sample';
import { joinSavedExamples } from '../core/saved-text';
import { noPromptForEval, promptTokenLimit } from '../core/prompt';
import { doneUriOf, evalSampleUriOf, newDevUriOf } from '../contracts/layout';
import { runChunks } from './chunks';
import type { ActivityDeps } from './deps';
import { arithmeticKey, shardExamples } from './examples';
import { asActivity } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { shardSampling } from './shard-sampler';
import { decodeKey } from './sampling-settings';
import type { EvalShardResult, ShardInput } from '../contracts/activities';

export async function evalShard(deps: ActivityDeps, input: ShardInput): Promise<EvalShardResult> {
  return asActivity(`eval shard ${input.shard} of ${input.shards} (iteration ${input.iteration})`, async () => {
    const o = input.options;
    const temperature = o.evalTemperature ?? o.temperature;
    const sampling = shardSampling(deps, input, input.iteration, temperature);
    const key = inputKey({
      step: 'eval',
      // The chunks hold the correct examples too since the eval writes them (new_dev.txt).
      saves: 'new_dev',
      task: o.task,
      taskFile: o.taskFile,
      datasetDir: input.datasetDir,
      arithmetic: arithmeticKey(o),
      seed: o.seed,
      nDevSamples: o.nDevSamples,
      direct: o.direct,
      noPrompt: o.noPrompt,
      // Under noPrompt the base eval keeps the few-shot prompt (core/prompt.ts).
      promptedBase: o.noPrompt && input.iteration === 0 ? true : undefined,
      genLength: o.genLength,
      // The temperature the pass uses: without evalTemperature, the key finished shards were saved under.
      temperature,
      topP: o.topP,
      decode: decodeKey(o),
      maxPromptTokens: promptTokenLimit(o.noPrompt, o.genLength),
      checkpointUri: input.checkpointUri,
      shard: input.shard,
      shards: input.shards,
      ...sampling.key,
    });
    return once(doneUriOf(input.outputUri), key, async (output) => {
      const { task, examples } = await shardExamples(
        o,
        input.datasetDir,
        'dev',
        input.iteration,
        input.shard,
        input.shards,
        deps.selections,
      );
      // A fine-tuned model's eval under noPrompt needs no prompt files; the base eval decides by its list.
      const fewShot =
        o.noPrompt && input.iteration > 0 ? [] : await task.loadFewShot(input.datasetDir, { answerKey: false, direct: o.direct });
      const noPrompt = noPromptForEval(o.noPrompt, input.iteration, fewShot);
      // The chunks sampled in this attempt; chunks an earlier attempt saved keep only their counts.
      const completions: EvalCompletion[][] = [];
      const parts: EvalPassResult[] = await sampling.run(
        (sampler) =>
          runChunks({
            dir: input.outputUri.replace(/\.json$/, '.chunks'),
            key,
            total: examples.length,
            chunkSize: deps.chunkSize,
            chunksAtOnce: sampler.chunksAtOnce,
            progress: { pass: 'eval', shard: input.shard, shards: input.shards },
            run: (start, end, onProgress, index) =>
              runEvalPassKeeping({
                task,
                examples: examples.slice(start, end),
                fewShot,
                sample: sampler.forChunk(index),
                options: {
                  direct: o.direct,
                  noPrompt,
                  seed: o.seed,
                  cleanUpTokenizationSpaces: o.cleanUpTokenizationSpaces,
                  maxPromptTokens: promptTokenLimit(noPrompt, o.genLength),
                  fewShotTrain: o.fewShotTrain,
                },
                onProgress,
                onSample: (part) => completions.push(part),
              }),
          }),
        { task, examples, fewShots: [fewShot], direct: o.direct },
      );
      const tally = mergeCounts(parts.map((part) => part.counts));
      await output.writeBytes(newDevUriOf(input.outputUri), joinSavedExamples(parts.flatMap((part) => part.correct)));
      await output.writeJson(evalSampleUriOf(input.outputUri), sampleEvalCompletions(completions));
      await output.writeJson(input.outputUri, tally);
      return { outputUri: input.outputUri, tally };
    });
  });
}
