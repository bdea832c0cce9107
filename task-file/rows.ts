/**
 * A task file's JSONL rows as examples, checked row by row: each problem names the file, the line and
 * the field, and says what to do. Pure: the loader reads the text.
 */
import type { Choice, Example, Split } from '../core/example';
import { shownFile, TaskFileError } from './errors';
import type { TaskSpec } from './schema';

/** One parsed split: its examples and the 1-based line each came from. */
export interface SplitRows {
  file: string;
  examples: Example[];
  lines: number[];
}

/** `row` at a dotted path (`question.stem`), or undefined. */
export function fieldAt(row: unknown, path: string): unknown {
  let cur: unknown = row;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Choices as a list of `{label, text}`, a list of texts (labelled A, B, …) or an object `{label: text}`; undefined when the value is none of these. */
export function readChoices(value: unknown): Choice[] | undefined {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return value.length <= LETTERS.length ? value.map((text, i) => ({ label: LETTERS[i] as string, text })) : undefined;
    }
    const choices = value.map((v) => {
      const { label, text } = (v ?? {}) as { label?: unknown; text?: unknown };
      return typeof label === 'string' && label !== '' && typeof text === 'string' ? { label, text } : undefined;
    });
    return choices.every((c) => c !== undefined) ? (choices as Choice[]) : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.every(([, text]) => typeof text === 'string')
      ? entries.map(([label, text]) => ({ label, text: text as string }))
      : undefined;
  }
  return undefined;
}

/** A scalar field as text: strings as written, numbers as JSON writes them. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The accuracy class of a row. A number is shown with its field's name (`people=3`): tables and the
 * report read a bare number as arithmetic's digit count (`3-digit`).
 */
export function classLabel(path: string, value: string): string {
  return /^\d+$/.test(value) ? `${path.split('.').pop() as string}=${value}` : value;
}

/** Parses one split's JSONL text into examples. */
export function parseSplit(spec: TaskSpec, split: Split, file: string, text: string): SplitRows {
  const { fields, answerAfter } = spec.data;
  const examples: Example[] = [];
  const lines: number[] = [];
  const firstLineOfId = new Map<string, number>();
  const where = (line: number, field: string | undefined, detail: string) => new TaskFileError(file, line, field, detail);
  const required = (row: unknown, line: number, name: keyof typeof fields, path: string): string => {
    const value = fieldAt(row, path);
    if (value === undefined)
      throw where(
        line,
        path,
        `the row has no "${path}" field (the task file's data.fields.${name}); every row needs one: add it, or point data.fields.${name} at the field that holds it`,
      );
    const shown = asText(value);
    if (shown === undefined) throw where(line, path, `must be a string or a number, not ${JSON.stringify(value).slice(0, 80)}`);
    return shown;
  };
  text.split('\n').forEach((raw, n) => {
    const line = n + 1;
    if (raw.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      throw where(line, undefined, `not valid JSON (${(err as Error).message}); each line must be one JSON object`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw where(line, undefined, 'each line must be one JSON object');
    const question = required(row, line, 'question', fields.question);
    let answer = required(row, line, 'answer', fields.answer);
    const solution = fields.solution ? required(row, line, 'solution', fields.solution) : answerAfter ? answer : undefined;
    if (answerAfter) {
      const at = answer.lastIndexOf(answerAfter);
      if (at === -1)
        throw where(
          line,
          fields.answer,
          `has no "${answerAfter}" (data.answerAfter): the answer is the text after its last one, e.g. "... ${answerAfter}72"`,
        );
      answer = answer.slice(at + answerAfter.length);
    }
    const ownId = fields.id ? required(row, line, 'id', fields.id) : asText(fieldAt(row, 'id'));
    const id = ownId ?? `${spec.name}-${split}-${examples.length}`;
    const first = firstLineOfId.get(id);
    if (first !== undefined)
      throw where(
        line,
        fields.id ?? 'id',
        `id ${JSON.stringify(id)} appears again (first on line ${first}); ids key every random choice and must be unique: remove or renumber one`,
      );
    firstLineOfId.set(id, line);
    const example: Example = {
      id,
      answer,
      cls: fields.class ? classLabel(fields.class, required(row, line, 'class', fields.class)) : spec.name,
      hint: fields.hint ? required(row, line, 'hint', fields.hint) : answer,
      question,
    };
    if (fields.choices) {
      const value = fieldAt(row, fields.choices);
      const choices = readChoices(value);
      if (!choices || choices.length === 0) {
        throw where(
          line,
          fields.choices,
          `${value === undefined ? 'is missing' : 'is not a list of choices'} (data.fields.choices): give a list of {"label", "text"}, a list of texts or an object {"A": "text", ...}`,
        );
      }
      example.choices = choices;
      // The answer names a choice: its label, or (as many datasets write it) its text.
      const byLabel = choices.find((c) => c.label.toLowerCase() === answer.toLowerCase());
      const byText = byLabel ? undefined : choices.find((c) => c.text === answer);
      if (!byLabel && !byText) {
        throw where(
          line,
          fields.answer,
          `${JSON.stringify(answer)} is neither a label nor a text of the row's choices (${choices.map((c) => c.label).join(', ')}): the answer of a multiple-choice row names its correct choice`,
        );
      }
      if (byText) {
        example.answer = byText.label;
        if (!fields.hint) example.hint = byText.label;
      }
    }
    if (solution !== undefined) example.solution = solution;
    examples.push(example);
    lines.push(line);
  });
  if (examples.length === 0)
    throw new TaskFileError(file, undefined, undefined, `has no examples: the ${split} split needs at least one JSON line`);
  return { file, examples, lines };
}

/** What makes two rows the same problem: the question and its choices. */
function problemKey(example: Example): string {
  return JSON.stringify([example.question.trim(), (example.choices ?? []).map((c) => c.text.trim())]);
}

/** A dev row that is also a train row (same id, or the same question and choices) would measure memory, not reasoning. */
export function checkDevApart(train: SplitRows, dev: SplitRows, idField: string): void {
  const trainIds = new Map(train.examples.map((e, i) => [e.id, train.lines[i] as number]));
  const trainProblems = new Map(train.examples.map((e, i) => [problemKey(e), train.lines[i] as number]));
  dev.examples.forEach((example, i) => {
    const line = dev.lines[i] as number;
    const sameId = trainIds.get(example.id);
    if (sameId !== undefined) {
      throw new TaskFileError(
        dev.file,
        line,
        idField,
        `id ${JSON.stringify(example.id)} is also in the train split (${shownFile(train.file)}:${sameId}); a dev example must not be trained on: remove it from one split`,
      );
    }
    const sameProblem = trainProblems.get(problemKey(example));
    if (sameProblem !== undefined) {
      throw new TaskFileError(
        dev.file,
        line,
        undefined,
        `the same question is in the train split (${shownFile(train.file)}:${sameProblem}); a dev example must not be trained on: remove it from one split`,
      );
    }
  });
}
