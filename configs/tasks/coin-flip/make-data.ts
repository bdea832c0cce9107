/**
 * Writes train.jsonl and dev.jsonl of the coin-flip example task (the symbolic state-tracking task of
 * the chain-of-thought literature) as multiple choice: after some people flip or do not flip a coin,
 * is it still heads up? (a) yes (b) no. The class is the number of people. Deterministic; run by
 * `star plan/run/start` when the files are missing (the task file's data.generate).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../core/prng';

const NAMES = [
  'Ana',
  'Ben',
  'Carla',
  'Dev',
  'Elif',
  'Femi',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kai',
  'Lena',
  'Milo',
  'Nia',
  'Omar',
  'Pia',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Vik',
  'Wen',
  'Xavi',
  'Yara',
  'Zeno',
];

function problem(people: number, next: () => number) {
  const names: string[] = [];
  while (names.length < people) {
    const name = NAMES[Math.floor(next() * NAMES.length)] as string;
    if (!names.includes(name)) names.push(name);
  }
  const flips = names.map(() => next() < 0.5);
  const steps = names.map((name, i) => (flips[i] ? `${name} flips the coin.` : `${name} does not flip the coin.`));
  const headsUp = flips.filter(Boolean).length % 2 === 0;
  return { question: `A coin is heads up. ${steps.join(' ')} Is the coin still heads up?`, answer: headsUp ? 'A' : 'B' };
}

const seen = new Set<string>();
function rows(split: string, perClass: number, seed: number) {
  const out: object[] = [];
  for (const people of [2, 3, 4]) {
    const next = mulberry32(seed + people);
    for (let k = 0, made = 0; made < perClass && k < perClass * 50; k += 1) {
      const p = problem(people, next);
      if (seen.has(p.question)) continue;
      seen.add(p.question);
      out.push({ id: `coin-${split}-${people}-${made}`, question: p.question, choices: ['yes', 'no'], answer: p.answer, people });
      made += 1;
    }
  }
  return out;
}

const write = (name: string, list: object[]) => writeFileSync(join(__dirname, name), list.map((r) => JSON.stringify(r)).join('\n') + '\n');
write('train.jsonl', rows('train', 300, 11));
write('dev.jsonl', rows('dev', 50, 97));
