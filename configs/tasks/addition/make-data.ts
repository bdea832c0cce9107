/**
 * Writes train.jsonl and dev.jsonl of the addition example task: n-digit sums in the scratchpad format
 * the embedded base model knows, drawn from a stream of their own (not the built-in arithmetic's), dev
 * apart from train (every sum appears once), and 6-digit sums in dev only (out of distribution). Deterministic: the same files
 * every time. Run by `star plan/run/start` when the files are missing (the task file's data.generate).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arithmeticExample } from '../../../core/arithmetic-problems';
import { mulberry32 } from '../../../core/prng';

const SEED = 2024;

function operand(digits: number, next: () => number): string {
  let out = String(1 + Math.floor(next() * 9));
  for (let k = 1; k < digits; k += 1) out += String(Math.floor(next() * 10));
  return out;
}

function rows(split: string, digits: readonly number[], perDigit: number, taken: Set<string>) {
  const out: object[] = [];
  for (const n of digits) {
    const next = mulberry32(SEED * 100 + n + (split === 'dev' ? 50 : 0));
    for (let k = 0; out.filter((r) => (r as { digits: number }).digits === n).length < perDigit && k < perDigit * 20; k += 1) {
      const e = arithmeticExample(operand(n, next), operand(n, next), `add-${split}-${n}d-${k}`);
      if (taken.has(e.question)) continue;
      taken.add(e.question);
      out.push({ id: e.id, question: e.question, answer: e.answer, hint: e.hint, digits: n });
    }
  }
  return out;
}

const taken = new Set<string>();
const write = (name: string, list: object[]) => writeFileSync(join(__dirname, name), list.map((r) => JSON.stringify(r)).join('\n') + '\n');
// Dev first: there are only 81 one-digit sums, and dev needs its share of them.
write('dev.jsonl', rows('dev', [1, 2, 3, 4, 5, 6], 40, taken));
write('train.jsonl', rows('train', [1, 2, 3, 4, 5], 400, taken));
