/**
 * `star plan`, `star run` and `star start` read an experiment's task file (and the prompt and data
 * files it names) before anything starts, so a typo fails in seconds with its file, line and field.
 * The workers read it again in the first step (a task file on `gs://` is checked there only too).
 */
import type { ExperimentOptions } from '../contracts/experiment-input';
import { accuracyClasses } from '../task-file/summary';
import { InvalidTaskFileError, loadTaskFile, type LoadedTaskFile } from '../task-file/load';
import { shownFile, TaskFileError } from '../task-file/errors';
import { UsageError } from './errors';

export async function checkTaskFile(options: ExperimentOptions): Promise<LoadedTaskFile | undefined> {
  if (options.task !== 'file' || !options.taskFile) return undefined;
  try {
    return await loadTaskFile(options.taskFile, { generate: true });
  } catch (err) {
    if (err instanceof TaskFileError || err instanceof InvalidTaskFileError) {
      throw new UsageError(
        `taskFile ${options.taskFile} cannot be used. Nothing was started.\n${err.message
          .split('\n')
          .map((line) => `  - ${line}`)
          .join('\n')}`,
      );
    }
    throw err;
  }
}

/** The lines `star plan` prints about a task file. */
export function formatTaskFile(loaded: LoadedTaskFile): string[] {
  const { spec } = loaded;
  const rule = spec.answer;
  const reads =
    rule.read === 'regex'
      ? `regex /${rule.pattern}/${rule.flags} (group 1, ${rule.match} match)`
      : rule.read === 'after-marker'
        ? `after the marker ${JSON.stringify(rule.marker)}`
        : rule.read;
  return [
    `Task file ${shownFile(loaded.uri)}: ${spec.name}, valid.`,
    `  train ${loaded.train.length} examples, dev ${loaded.dev.length}; accuracy classes ${accuracyClasses(loaded.dev).join(', ')}`,
    `  prompt ${loaded.fewShot.length} worked examples, rationalization prompt ${loaded.rationalization.length}`,
    `  answer read ${reads}; stops at ${JSON.stringify(spec.stop)} and <|endoftext|>`,
  ];
}

/** What `star plan --json` says about a task file. */
export function taskFileSummary(loaded: LoadedTaskFile) {
  return {
    uri: loaded.uri,
    name: loaded.spec.name,
    trainExamples: loaded.train.length,
    devExamples: loaded.dev.length,
    classes: accuracyClasses(loaded.dev),
    fewShotExamples: loaded.fewShot.length,
    rationalizationExamples: loaded.rationalization.length,
    answer: loaded.spec.answer,
    stop: loaded.spec.stop,
  };
}
