import type { Example, Split } from './example';
import { keyedHash, mulberry32 } from './prng';
import { BadInputError } from './errors';

/**
 * n-digit addition in the reference's format (`arithmetic/gen_sums.py` with the scratchpad on):
 *
 *   Input:
 *   2 9 + 5 7
 *   Target:
 *   <scratch>
 *   2 9 + 5 7 , C: 0
 *   2 + 5 , 6 C: 1
 *   , 8 6 C: 0
 *   0 8 6
 *   </scratch>
 *   8 6
 *
 * Numbers are decimal strings so any digit count works.
 */

export interface ArithmeticOptions {
  /** Digit counts to generate (both operands have exactly this many digits). */
  digits: number[];
  /** Problems per digit count (the reference used 2000). */
  countPerDigit: number;
  seed: number;
  /** Only names the problems and keys the random stream, so train and dev differ at one seed. */
  split?: Split;
}

/** The reference trains on 1–5 digits and keeps 6+ for out-of-distribution checks. */
export const ARITHMETIC_TRAIN_DIGITS: readonly number[] = [1, 2, 3, 4, 5];
export const ARITHMETIC_COUNT_PER_DIGIT = 2000;

/** `29` → `2 9`. */
export function spaceDigits(digits: string): string {
  return digits.split('').join(' ');
}

/** Adds two non-negative decimal strings. */
export function addDecimal(a: string, b: string): string {
  let out = '';
  let carry = 0;
  for (let i = a.length - 1, j = b.length - 1; i >= 0 || j >= 0 || carry; i -= 1, j -= 1) {
    const sum = (i >= 0 ? Number(a[i]) : 0) + (j >= 0 ? Number(b[j]) : 0) + carry;
    out = String(sum % 10) + out;
    carry = sum >= 10 ? 1 : 0;
  }
  return out.replace(/^0+(?=\d)/, '');
}

export class ArithmeticProblemError extends BadInputError {
  override readonly name = 'ArithmeticProblemError';
}

/** Parses `2 9 + 5 7` back into its operands `29`, `57`. */
export function parseOperands(question: string): [string, string] {
  const match = /^([\d ]+) \+ ([\d ]+)$/.exec(question);
  if (!match) throw new ArithmeticProblemError(`"${question}" is not an addition like "2 9 + 5 7"`);
  const a = (match[1] as string).replace(/ /g, '');
  const b = (match[2] as string).replace(/ /g, '');
  if (a.length !== b.length) {
    throw new ArithmeticProblemError(
      `"${question}": the reference's scratchpad needs operands of equal length (${a.length} vs ${b.length} digits)`,
    );
  }
  return [a, b];
}

/** The scratchpad lines between `<scratch>` and `</scratch>`, as gen_sums.py writes them. */
export function scratchpadLines(a: string, b: string): string[] {
  const lines = [`${spaceDigits(a)} + ${spaceDigits(b)} , C: 0`];
  let carry = 0;
  let runningSum = '';
  for (let k = a.length - 1; k >= 0; k -= 1) {
    const first = a[k] as string;
    const second = b[k] as string;
    const digitSum = Number(first) + Number(second) + carry;
    if (k !== a.length - 1) lines.push(`${first} + ${second} , ${runningSum}C: ${carry}`);
    carry = digitSum >= 10 ? 1 : 0;
    runningSum = `${digitSum % 10} ${runningSum}`;
  }
  lines.push(`, ${runningSum}C: ${carry}`);
  lines.push(`${carry} ${runningSum}`.trim());
  return lines;
}

/** The hint: the sum as the scratchpad's last line writes it, final carry first (`0 8 6`). */
export function arithmeticHint(question: string): string {
  const [a, b] = parseOperands(question);
  const lines = scratchpadLines(a, b);
  return lines[lines.length - 1] as string;
}

/** The context the model continues: `Input:\n2 9 + 5 7\nTarget:` (no newline after the colon, as the reference). */
export function arithmeticContext(question: string): string {
  return `Input:\n${question}\nTarget:`;
}

/**
 * The hinted context: the hint follows `Target:` after one space, `Input:\n2 9 + 5 7\nTarget: 0 8 6`
 * (the reference's `context += "Target:" + " " + scratchpad_lines[-5]`). The model then writes the
 * scratchpad on the next line. The embedded base model is pretrained on exactly this, so it is fixed.
 */
export function arithmeticHintedContext(question: string): string {
  return `${arithmeticContext(question)} ${arithmeticHint(question)}`;
}

/** The correct continuation of `arithmeticContext`: `\n<scratch>\n…\n</scratch>\n8 6`. */
export function arithmeticTarget(question: string): string {
  const [a, b] = parseOperands(question);
  return `\n<scratch>\n${scratchpadLines(a, b).join('\n')}\n</scratch>\n${spaceDigits(addDecimal(a, b))}`;
}

/** Context plus correct scratchpad and answer: PIPELINE.md's worked example, byte for byte. */
export function arithmeticWorkedExample(question: string): string {
  return arithmeticContext(question) + arithmeticTarget(question);
}

/** The direct-mode continuation (no scratchpad): `\n8 6`. */
export function arithmeticDirectTarget(question: string): string {
  const [a, b] = parseOperands(question);
  return `\n${spaceDigits(addDecimal(a, b))}`;
}

export function arithmeticExample(a: string, b: string, id: string): Example {
  const question = `${spaceDigits(a)} + ${spaceDigits(b)}`;
  return { id, answer: spaceDigits(addDecimal(a, b)), cls: String(a.length), hint: arithmeticHint(question), question };
}

function randomOperand(digits: number, next: () => number): string {
  let out = String(1 + Math.floor(next() * 9));
  for (let k = 1; k < digits; k += 1) out += String(Math.floor(next() * 10));
  return out;
}

/**
 * The optional few-shot prompt (`arithmetic.fewShot`): `count` worked problems, the k-th with
 * `digits[k mod digits.length]` digits, from a random stream of its own (keyed by seed and
 * "arithmetic-few-shot"), so they do not depend on the train and dev problems and never change with
 * their sizes. A pretrained model needs them to learn the scratchpad format; the reference's
 * arithmetic has no prompt (the embedded base model is pretrained on the format instead).
 * `hinted`: each example shows its hint after `Target:` (the answer-key prompt of rationalization);
 * `direct`: the answer without a scratchpad.
 */
export function arithmeticFewShot(options: {
  count: number;
  digits: readonly number[];
  seed: number;
  hinted: boolean;
  direct: boolean;
}): string[] {
  if (options.count === 0) return [];
  if (options.digits.length === 0) throw new ArithmeticProblemError('the few-shot prompt needs at least one digit count');
  const next = mulberry32(keyedHash(options.seed, 'arithmetic-few-shot', options.digits.join(',')));
  const out: string[] = [];
  for (let k = 0; k < options.count; k += 1) {
    const digits = options.digits[k % options.digits.length] as number;
    const { question } = arithmeticExample(randomOperand(digits, next), randomOperand(digits, next), `arith-prompt-${k}`);
    const context = options.hinted ? arithmeticHintedContext(question) : arithmeticContext(question);
    out.push(context + (options.direct ? arithmeticDirectTarget(question) : arithmeticTarget(question)));
  }
  return out;
}

/**
 * Seeded problems: for each digit count n, `countPerDigit` pairs of n-digit operands drawn uniformly
 * (first digit 1–9, the rest 0–9: the reference's `randrange(10**(n-1), 10**n)`). Each digit count has
 * its own Mulberry32 stream keyed by (seed, split, n), so adding a digit count never changes the others.
 * Ids are `arith-{split}-{n}d-{k}`.
 */
export function arithmeticProblems(options: ArithmeticOptions): Example[] {
  const split = options.split ?? 'train';
  const examples: Example[] = [];
  for (const digits of options.digits) {
    if (!Number.isInteger(digits) || digits < 1) {
      throw new ArithmeticProblemError(`digit count ${digits} is not a positive integer`);
    }
    const next = mulberry32(keyedHash(options.seed, 'arithmetic-problems', `${split}:${digits}`));
    for (let k = 0; k < options.countPerDigit; k += 1) {
      const a = randomOperand(digits, next);
      const b = randomOperand(digits, next);
      examples.push(arithmeticExample(a, b, `arith-${split}-${digits}d-${k}`));
    }
  }
  return examples;
}
