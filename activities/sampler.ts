import type { Sampler } from '../core/rationale-selection';
import type { CompletionStopRule } from '../core/completion-stop';
import type { Task } from '../core/example';
import { sample, type LoadedModel } from '../model';
import type { ExperimentOptions } from '../contracts/experiment-input';

/** Whether `completionStop` stops anything (`{afterAnswer: false}` is the same as no rule). */
export function completionStopOn(options: ExperimentOptions): boolean {
  const stop = options.completionStop;
  return stop !== undefined && (stop.afterAnswer || stop.repeatedLines !== undefined || stop.repeatedTail !== undefined);
}

/**
 * The completion stop rule of the experiment's `completionStop` for `task`, or undefined when it is
 * off (then nothing about sampling differs from runs before the option).
 */
export function completionStopRule(options: ExperimentOptions, task: Task): CompletionStopRule | undefined {
  const stop = options.completionStop;
  if (!stop || !completionStopOn(options)) return undefined;
  return {
    ...(stop.afterAnswer ? { afterAnswer: { task: task.name, ...(task.stopStrings ? { taskStops: task.stopStrings } : {}) } } : {}),
    ...(stop.repeatedLines !== undefined ? { repeatedLines: stop.repeatedLines } : {}),
    ...(stop.repeatedTail !== undefined ? { repeatedTail: stop.repeatedTail } : {}),
  };
}

/**
 * core's sampler over the embedded model, with the experiment's settings (`temperature`: the pass's,
 * generation's by default; `task`: the pass's, whose checker `completionStop.afterAnswer` follows).
 */
export function embeddedSampler(
  model: LoadedModel,
  options: ExperimentOptions,
  batchSize: number,
  temperature: number,
  task: Task,
): Sampler {
  const stopRule = completionStopRule(options, task);
  return (requests, onProgress) =>
    sample(model, requests, {
      genLength: options.genLength,
      temperature,
      topP: options.topP,
      batchSize,
      onProgress,
      ...(stopRule ? { stopRule } : {}),
    });
}
