/**
 * The task, examples and sampling requests of an experiment's first pass on a split, built as the
 * workflow builds them: the first generation pass (train, iteration 1) or the base eval (dev). Shared
 * by the scripts that sample those requests and compare what stopping early would change
 * (completion-stops.ts, completion-stop-savings.ts).
 */
import type { Example, Task } from '../core/example';
import { buildPrompt, noPromptForGeneration, promptTokenLimit } from '../core/prompt';
import { sampleSeed } from '../core/rationale-selection';
import { iterationSeed } from '../core/train-sample';
import { loadTaskFor, selectExamples } from '../activities/examples';
import type { ExperimentOptions } from '../contracts/experiment-input';

export async function firstPass(options: ExperimentOptions, split: 'train' | 'dev') {
  const task: Task = await loadTaskFor(options, split);
  const iteration = split === 'train' ? 1 : 0;
  const examples: Example[] = selectExamples(options, split, iteration, await task.loadSplit(options.datasetDir ?? '', split));
  const noPrompt = split === 'train' ? noPromptForGeneration(options.noPrompt, 1) : options.noPrompt;
  const fewShot = noPrompt ? [] : await task.loadFewShot(options.datasetDir ?? '', { answerKey: false, direct: options.direct });
  const seed = split === 'train' ? iterationSeed(options.seed, 1) : options.seed;
  const limit = promptTokenLimit(noPrompt, options.genLength);
  const requests = examples.map((e) => ({
    prompt: buildPrompt(fewShot, task.context(e, { hint: false }), { noPrompt }),
    seed: sampleSeed(seed, e.id),
    ...(limit === undefined ? {} : { maxPromptTokens: limit }),
  }));
  return { task, examples, requests };
}
