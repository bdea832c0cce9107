/**
 * Reads a task file and everything it names (prompt files, train and dev JSONL), checking all of it
 * before anything starts: every problem names the file, the line and the field. Relative paths in a
 * task file are relative to the task file's folder.
 */
import { splitPromptFile } from '../core/few-shot';
import { BadInputError } from '../core/errors';
import { exists, joinUri, localPathOf, normaliseRoot, readText, schemeOf } from '../storage';
import { runDataGenerator } from './generate';
import { shownFile, TaskFileError } from './errors';
import { fileTask, type TaskFileContent } from './file-task';
import { jsonKeyLines, lineOf } from './json-lines';
import { checkDevApart, parseSplit } from './rows';
import { normaliseTaskFile, taskFileSchema, type TaskSpec } from './schema';
import type { Task } from '../core/example';

/** Several problems of one task file, each on its own `file:line: field: …` line. */
export class InvalidTaskFileError extends BadInputError {
  override readonly name = 'InvalidTaskFileError';
  constructor(readonly problems: TaskFileError[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

export interface LoadedTaskFile extends TaskFileContent {
  task: Task;
}

/** `path` as a URI: absolute paths and URIs as given, relative ones from the task file's folder. */
export function resolveFrom(taskFileUri: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('/')) return normaliseRoot(path);
  return joinUri(taskFileUri.slice(0, taskFileUri.lastIndexOf('/')), path);
}

/** Parses and checks the task file's text (no other file is read). */
export function parseTaskFile(uri: string, text: string): TaskSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new TaskFileError(uri, line, undefined, `not valid JSON (${message}); the task file is one JSON object`);
  }
  const parsed = taskFileSchema.safeParse(raw);
  if (parsed.success) return normaliseTaskFile(parsed.data);
  const lines = jsonKeyLines(text);
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return new TaskFileError(uri, lineOf(lines, path), path.join('.'), 'no such field (a typo? docs/own-task.md lists every field)');
      });
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : undefined;
    return [new TaskFileError(uri, lineOf(lines, issue.path), field, issue.message)];
  });
  throw problems.length === 1 ? (problems[0] as TaskFileError) : new InvalidTaskFileError(problems);
}

async function readNamed(
  taskFileUri: string,
  lines: Map<string, number>,
  field: string,
  path: string,
): Promise<{ uri: string; text: string }> {
  const uri = resolveFrom(taskFileUri, path);
  if (!(await exists(uri))) {
    throw new TaskFileError(
      taskFileUri,
      lineOf(lines, field.split('.')),
      field,
      `${JSON.stringify(path)} does not exist (looked for ${shownFile(uri)}); paths are relative to the task file's folder`,
    );
  }
  return { uri, text: await readText(uri) };
}

export interface LoadOptions {
  /** Run `data.generate` when a split file is missing (the CLI does; workers only read). */
  generate?: boolean;
}

/** Loads the task file at `taskFile` (a path or URI) and everything it names. */
export async function loadTaskFile(taskFile: string, options: LoadOptions = {}): Promise<LoadedTaskFile> {
  const uri = normaliseRoot(taskFile);
  if (!(await exists(uri)))
    throw new TaskFileError(
      taskFile,
      undefined,
      undefined,
      'no such task file: set taskFile to the path of a task file (docs/own-task.md)',
    );
  const text = await readText(uri);
  const spec = parseTaskFile(uri, text);
  const lines = jsonKeyLines(text);
  const { generate } = spec.data;
  if (options.generate && generate && schemeOf(uri) === 'file') {
    const missing = await Promise.all([spec.data.train, spec.data.dev].map(async (path) => !(await exists(resolveFrom(uri, path)))));
    if (missing.some(Boolean)) {
      const problem = await runDataGenerator(generate, localPathOf(uri.slice(0, uri.lastIndexOf('/'))));
      if (problem) throw new TaskFileError(uri, lineOf(lines, ['data', 'generate']), 'data.generate', problem);
    }
  }
  const prompt = async (field: string, path: string | undefined) =>
    path ? splitPromptFile((await readNamed(uri, lines, field, path)).text) : [];
  const fewShot = await prompt('prompts.fewShot', spec.prompts.fewShot);
  const rationalization = spec.prompts.rationalization ? await prompt('prompts.rationalization', spec.prompts.rationalization) : fewShot;
  const split = async (name: 'train' | 'dev') => {
    const file = await readNamed(uri, lines, `data.${name}`, spec.data[name]);
    return parseSplit(spec, name, file.uri, file.text);
  };
  const train = await split('train');
  const dev = await split('dev');
  checkDevApart(train, dev, spec.data.fields.id ?? 'id');
  const content: TaskFileContent = { uri, spec, fewShot, rationalization, train: train.examples, dev: dev.examples };
  return { ...content, task: fileTask(content) };
}
