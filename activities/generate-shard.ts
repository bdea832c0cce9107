/**
 * One shard of an iteration's generation pass (train split, the model of iteration i-1): samples a
 * rationale per example, keeps the correct ones, retries failures with a hint when rationalization is
 * on. Writes `{kept, counts}` to its output URI, then its manifest.
 */
import type { ClassCounts } from '../core/accuracy';
import { commandVerifier, decodeKey, samplingSettings } from './sampling-settings';
import {
  mergeGenerationResults,
  runGenerationPass,
  type GenerationOptions,
  type GenerationResult,
  type SamplingCounts,
} from '../core/rationale-selection';
import { noPromptForGeneration, promptTokenLimit } from '../core/prompt';
import { iterationSeed } from '../core/train-sample';
import { doneUriOf } from '../contracts/layout';
import { runChunks } from './chunks';
import type { ActivityDeps } from './deps';
import { arithmeticKey, shardExamples } from './examples';
import { asActivity } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { shardSampling } from './shard-sampler';
import type { GenerateShardResult, GenerationCounts, ShardInput } from '../contracts/activities';
import type { ExperimentOptions } from '../contracts/experiment-input';

export function generationSettings(input: ShardInput) {
  const o = input.options;
  return {
    task: o.task,
    taskFile: o.taskFile,
    datasetDir: input.datasetDir,
    arithmetic: arithmeticKey(o),
    seed: o.seed,
    iteration: input.iteration,
    nTrainSamples: o.nTrainSamples,
    rationalize: o.rationalize,
    pRationalization: o.pRationalization,
    pShowHintSave: o.pShowHintSave,
    direct: o.direct,
    noPrompt: noPromptForGeneration(o.noPrompt, input.iteration),
    fewShotTrain: o.fewShotTrain,
    // Only when it changes the contexts, so runs from before the option keep their manifests' digests.
    gsmHint: o.task === 'gsm' && o.rationalize && o.gsmHint === 'solution' ? o.gsmHint : undefined,
    genLength: o.genLength,
    temperature: o.temperature,
    topP: o.topP,
    sampling: samplingSettings(o),
    decode: decodeKey(o),
    maxPromptTokens: promptTokenLimit(noPromptForGeneration(o.noPrompt, input.iteration), o.genLength),
    checkpointUri: input.checkpointUri,
  };
}

/**
 * What the generation pass is told for iteration `iteration`: the reference's options, no prompt only
 * from iteration 2 on, and a seed of the iteration's own, so each iteration draws its own samples and
 * rationalization choices (keyed by example id). scripts/star-loop.ts uses it too.
 */
export function generationPassOptions(options: ExperimentOptions, iteration: number): GenerationOptions {
  return {
    rationalize: options.rationalize,
    pRationalization: options.pRationalization,
    pShowHintSave: options.pShowHintSave,
    direct: options.direct,
    noPrompt: noPromptForGeneration(options.noPrompt, iteration),
    fewShotTrain: options.fewShotTrain,
    seed: iterationSeed(options.seed, iteration),
    samplesPerQuestion: options.samplesPerQuestion,
    keepPerQuestion: options.keepPerQuestion,
    dedup: options.dedup,
    rationalizeOnlyIfAllFail: options.rationalizeOnlyIfAllFail,
    keepAll: options.keepAll,
    cleanUpTokenizationSpaces: options.cleanUpTokenizationSpaces,
    maxPromptTokens: promptTokenLimit(noPromptForGeneration(options.noPrompt, iteration), options.genLength),
  };
}

export async function generateShard(deps: ActivityDeps, input: ShardInput): Promise<GenerateShardResult> {
  return asActivity(`generation shard ${input.shard} of ${input.shards} (iteration ${input.iteration})`, async () => {
    const settings = generationSettings(input);
    const sampling = shardSampling(deps, input, input.iteration - 1);
    const key = inputKey({ step: 'generate', ...settings, ...sampling.key, shard: input.shard, shards: input.shards });
    const result = await once(doneUriOf(input.outputUri), key, async (output) => {
      const { options } = input;
      const { task, examples, firstIndex } = await shardExamples(
        options,
        input.datasetDir,
        'train',
        input.iteration,
        input.shard,
        input.shards,
        deps.selections,
      );
      const fewShot = {
        plain: settings.noPrompt ? [] : await task.loadFewShot(input.datasetDir, { answerKey: false, direct: options.direct }),
        answerKey:
          options.rationalize && !settings.noPrompt
            ? await task.loadFewShot(input.datasetDir, { answerKey: true, direct: options.direct })
            : [],
      };
      const parts: GenerationResult[] = await sampling.run(
        (sampler) =>
          runChunks({
            dir: input.outputUri.replace(/\.json$/, '.chunks'),
            key,
            total: examples.length,
            chunkSize: deps.chunkSize,
            chunksAtOnce: sampler.chunksAtOnce,
            progress: { pass: 'generate', shard: input.shard, shards: input.shards },
            run: (start, end, onProgress, index) =>
              runGenerationPass({
                task,
                examples: examples.slice(start, end),
                fewShot,
                sample: sampler.forChunk(index),
                options: generationPassOptions(options, input.iteration),
                verify: commandVerifier(options),
                firstIndex: firstIndex + start,
                // Both passes report here; the hinted pass counts past the plain one.
                onProgress: (done) => onProgress(Math.min(done, end - start)),
              }),
          }),
        { task, examples, fewShots: [fewShot.plain, fewShot.answerKey], direct: options.direct },
      );
      const merged = mergeGenerationResults(parts);
      await output.writeJson(input.outputUri, merged);
      return { outputUri: input.outputUri, counts: generationCounts(merged) };
    });
    return result;
  });
}

/**
 * The workflow's summary of a generation result: core's per-class counts (`{cls}_r` classes are the
 * hinted retries) and, when the result has them, the sampling counts (pass@k and friends).
 */
export function generationCounts(result: GenerationResult): GenerationCounts {
  const out: GenerationCounts = { attempted: 0, correct: 0, hinted: 0, rationalized: 0, kept: result.kept.length };
  for (const [cls, c] of Object.entries(result.counts as ClassCounts)) {
    if (cls.endsWith('_r')) {
      out.hinted += c.total;
      out.rationalized += c.correct;
    } else {
      out.attempted += c.total;
      out.correct += c.correct;
    }
  }
  const sampling: SamplingCounts | undefined = result.sampling;
  if (!sampling) return out;
  return {
    ...out,
    attempted: sampling.questions,
    samples: sampling.samples,
    correctSamples: sampling.correctSamples,
    questionsWithCorrect: sampling.questionsWithCorrect,
    distinctKept: new Set(result.kept.map((k) => k.text)).size,
  };
}
