/**
 * Shared by scripts/pretrain-arithmetic-base.ts and scripts/star-loop.ts: accuracy of an embedded
 * model on arithmetic problems, per digit count, measured the way the workflow measures it (core's
 * passes, the embedded sampler, chunks of 64 examples decoded as one batch, as activities/ do).
 */
import { mergeCounts, type ClassCounts } from '../core/accuracy';
import type { Example } from '../core/example';
import { runEvalPass, runGenerationPass, type Sampler } from '../core/rationale-selection';
import { arithmeticTask } from '../core/tasks/arithmetic';
import { sample, type LoadedModel } from '../model';

export interface SamplingSettings {
  genLength: number;
  temperature: number;
  topP: number;
  seed: number;
  /** Examples per pass call and rows decoded together (the worker's chunkSize and sampleBatchSize). */
  batchSize?: number;
  /** The reference's no_prompt: the context alone, without the `\n\n` separator (core/prompt.ts). */
  noPrompt?: boolean;
}

/** core's sampler over the embedded model with the script's settings (the workflow's is activities/sampler.ts' embeddedSampler). */
export function samplerWith(model: LoadedModel, s: SamplingSettings): Sampler {
  return (requests, onProgress) =>
    sample(model, requests, { genLength: s.genLength, temperature: s.temperature, topP: s.topP, batchSize: s.batchSize ?? 64, onProgress });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Plain (hint-free) accuracy counts per digit class, as the workflow's eval pass. */
export async function evalCounts(model: LoadedModel, examples: readonly Example[], s: SamplingSettings): Promise<ClassCounts> {
  const sampler = samplerWith(model, s);
  const parts: ClassCounts[] = [];
  for (const part of chunks(examples, s.batchSize ?? 64)) {
    parts.push(
      await runEvalPass({
        task: arithmeticTask,
        examples: part,
        fewShot: [],
        sample: sampler,
        options: { direct: false, noPrompt: s.noPrompt ?? false, seed: s.seed },
      }),
    );
  }
  return mergeCounts(parts);
}

/**
 * Plain accuracy and, for the failures, the hinted retry's success (`{n}_r` classes): how much the
 * model can rationalize, which is what STaR bootstraps from.
 */
export async function rationalizationCounts(model: LoadedModel, examples: readonly Example[], s: SamplingSettings): Promise<ClassCounts> {
  const sampler = samplerWith(model, s);
  const parts: ClassCounts[] = [];
  for (const part of chunks(examples, s.batchSize ?? 64)) {
    const result = await runGenerationPass({
      task: arithmeticTask,
      examples: part,
      fewShot: { plain: [], answerKey: [] },
      sample: sampler,
      options: {
        rationalize: true,
        pRationalization: 1,
        pShowHintSave: 0,
        direct: false,
        noPrompt: s.noPrompt ?? false,
        fewShotTrain: false,
        seed: s.seed,
      },
    });
    parts.push(result.counts);
  }
  return mergeCounts(parts);
}

export function percent(c: { correct: number; total: number } | undefined): string {
  if (!c || c.total === 0) return '   -';
  return `${((100 * c.correct) / c.total).toFixed(1)}`.padStart(5);
}

/** Mean accuracy over the listed digit classes (each digit count weighs the same). */
export function meanAccuracy(counts: ClassCounts, digits: readonly number[]): number {
  const accs = digits
    .map((d) => counts[String(d)])
    .filter((c) => c && c.total > 0)
    .map((c) => c!.correct / c!.total);
  return accs.length === 0 ? 0 : accs.reduce((a, b) => a + b, 0) / accs.length;
}
