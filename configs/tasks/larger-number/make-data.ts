/**
 * Writes train.jsonl and dev.jsonl of the larger-number example task: which of two different 2-digit
 * numbers is larger, answered after a one-line rationale that compares the tens digits (then the ones
 * digits when the tens are the same). SmolLM2-135M-Instruct half-solves it few-shot, which is what
 * STaR needs from a base model. The class is where the larger number stands (`first` or `second`), so a
 * model that always picks one side shows it. Deterministic; run by `star plan/run/start` when a file
 * is missing (the task file's data.generate).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../core/prng';

const twoDigit = (next: () => number) => 10 + Math.floor(next() * 90);

// Train and dev never share a pair, in either order, nor one of the worked examples of prompts.txt.
const seen = new Set<string>(['38 61', '29 74', '43 45', '16 90', '57 82']);
function rows(split: string, perClass: number, seed: number) {
  const next = mulberry32(seed);
  const out: object[] = [];
  for (const larger of ['first', 'second']) {
    for (let made = 0; made < perClass;) {
      const a = twoDigit(next);
      const b = twoDigit(next);
      if (a === b || seen.has(`${Math.min(a, b)} ${Math.max(a, b)}`)) continue;
      seen.add(`${Math.min(a, b)} ${Math.max(a, b)}`);
      const [first, second] = larger === 'first' ? [Math.max(a, b), Math.min(a, b)] : [Math.min(a, b), Math.max(a, b)];
      out.push({ id: `larger-${split}-${larger}-${made}`, question: `${first} or ${second}`, answer: String(Math.max(a, b)), larger });
      made += 1;
    }
  }
  return out;
}

const write = (name: string, list: object[]) => writeFileSync(join(__dirname, name), list.map((r) => JSON.stringify(r)).join('\n') + '\n');
// Dev first, so its pairs are taken before the larger train split is drawn.
const dev = rows('dev', 100, 97);
write('train.jsonl', rows('train', 1000, 11));
write('dev.jsonl', dev);
