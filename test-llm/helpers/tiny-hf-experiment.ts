/** What the tiny Hugging Face experiments of test-llm share: their base trainer config and seed records. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arithmeticProblems, arithmeticWorkedExample, joinSavedExamples } from '../../core';
import { ROOT } from '../../scripts/make-tiny-lm';

/**
 * The -hf presets' base config with settings a 150k-parameter model takes a few steps of without fuss,
 * at a step batch of 4 (which 2 processes share as 2 each). Written as `dir/base.json`.
 */
export function writeTinyBaseConfig(dir: string): string {
  const base = {
    ...(JSON.parse(readFileSync(join(ROOT, 'configs', 'hf_base.json'), 'utf8')) as object),
    lr: 3e-3,
    end_lr: 3e-3,
    warmup_steps: 2,
    per_replica_batch: 4,
    gradient_accumulation_steps: 1,
    ckpt_every: 5,
    seq: 256,
  };
  const path = join(dir, 'base.json');
  writeFileSync(path, JSON.stringify(base));
  return path;
}

/**
 * A random model keeps (almost) nothing, and the trainer refuses an empty training set; so the first
 * record folder starts with 16 worked examples (as a carried-over record file): 4 full steps of 4 an
 * epoch, so no launcher pads a short step.
 */
export function seedWorkedRecords(root: string, exp: string): void {
  const folder = join(root, exp, 'records', `${exp}_0`);
  mkdirSync(folder, { recursive: true });
  const examples = arithmeticProblems({ digits: [1], countPerDigit: 16, seed: 5 }).map(
    (p) => `${arithmeticWorkedExample(p.question)}<|endoftext|>`,
  );
  writeFileSync(join(folder, 'seed_0.txt'), joinSavedExamples(examples));
}
