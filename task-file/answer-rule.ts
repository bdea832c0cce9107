/**
 * A task file's answer rule: where the answer is read in an output, how it is compared with the
 * target, and what of the output is saved. The output is first cut at `<|endoftext|>` and at the
 * task's stop strings, so the embedded sampler (which runs to end-of-text or genLength) and a server
 * (which stops at them) give the checker the same text.
 */
import type { CheckResult, Choice, Example } from '../core/example';
import { pyStrip } from '../core/python-text';
import { END_OF_TEXT } from '../core/tokenizer';
import type { AnswerRule } from './schema';

/** Where in the (cut) output the answer was read: its text and the end of the line holding it. */
interface Found {
  prediction: string;
  /** Index just past the answer; the saved text runs to the end of its line. */
  end: number;
}

/** The text before the first `<|endoftext|>` or stop string (all of it when there is none). */
export function cutOutput(output: string, stops: readonly string[]): string {
  let end = output.length;
  for (const stop of [END_OF_TEXT, ...stops]) {
    const at = output.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return output.slice(0, end);
}

const NUMBER = /-?\d+(?:,\d{3})*(?:\.\d+)?|-?\.\d+/g;

function readAnswer(rule: AnswerRule, text: string, choices: readonly Choice[] | undefined): Found | undefined {
  switch (rule.read) {
    case 'regex': {
      const matches = [...text.matchAll(new RegExp(rule.pattern, `${rule.flags}g`))];
      const match = rule.match === 'first' ? matches[0] : matches[matches.length - 1];
      if (!match || match[1] === undefined) return undefined;
      return { prediction: match[1], end: match.index + match[0].length };
    }
    case 'last-number': {
      const match = [...text.matchAll(NUMBER)].pop();
      return match && { prediction: match[0], end: match.index + match[0].length };
    }
    case 'choice-letter': {
      const labels = new Set((choices ?? []).map((c) => c.label.toLowerCase()));
      const match = [...text.matchAll(/\(([A-Za-z])\)/g)]
        .filter((m) => labels.size === 0 || labels.has((m[1] as string).toLowerCase()))
        .pop();
      return match && { prediction: match[1] as string, end: match.index + match[0].length };
    }
    case 'after-marker': {
      const at = text.indexOf(rule.marker);
      if (at === -1) return undefined;
      const lineEnd = endOfLine(text, at);
      const line = text.slice(0, lineEnd);
      return { prediction: line.slice(line.lastIndexOf(rule.marker) + rule.marker.length), end: lineEnd };
    }
  }
}

function endOfLine(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

/** The form two answers are compared in. */
export function normaliseAnswer(rule: AnswerRule, text: string): string {
  let out = rule.trim ? pyStrip(text) : text;
  if (rule.thousandsSeparators) out = out.replace(/(?<=\d),(?=\d)/g, '');
  return rule.caseSensitive ? out : out.toLowerCase();
}

function firstNumber(text: string): number | undefined {
  const match = /-?\d+(?:\.\d+)?|-?\.\d+/.exec(text.replace(/(?<=\d),(?=\d{3})/g, ''));
  return match ? Number(match[0]) : undefined;
}

export function answersMatch(rule: AnswerRule, prediction: string, target: string): boolean {
  const [p, t] = [normaliseAnswer(rule, prediction), normaliseAnswer(rule, target)];
  if (!rule.numeric) return p === t;
  const [x, y] = [firstNumber(p), firstNumber(t)];
  return x !== undefined && y !== undefined && Math.abs(x - y) <= rule.tolerance;
}

/** Judges one output: no answer found is wrong, with nothing to save. */
export function checkWithRule(rule: AnswerRule, stops: readonly string[], example: Example, output: string): CheckResult {
  const text = cutOutput(output, stops);
  const found = readAnswer(rule, text, example.choices);
  if (!found) return { correct: false, prediction: null, answerText: null };
  const answerText = rule.save === 'output' ? text : text.slice(0, endOfLine(text, found.end));
  return { correct: answersMatch(rule, found.prediction, example.answer), prediction: found.prediction, answerText };
}
