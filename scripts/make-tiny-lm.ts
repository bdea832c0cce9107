/**
 * Builds a tiny, randomly initialised Hugging Face causal LM in a folder, with no hub: writes a corpus
 * of arithmetic worked examples (the demo's text) plus QA-shaped lines, then runs
 * `python -m star_trainer.tiny_lm` from the LLM venv (scripts/setup-llm.sh) on it.
 *
 *   npx tsx scripts/make-tiny-lm.ts OUT_DIR [--arch gpt2|llama] [any other tiny_lm option]
 *
 * Environment: STAR_LLM_VENV (default .tools/llm-venv), as for scripts/setup-llm.sh.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { arithmeticProblems, arithmeticWorkedExample } from '../core/arithmetic-problems';

export const ROOT = resolve(__dirname, '..');

export function llmPython(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.STAR_LLM_VENV ?? join(ROOT, '.tools', 'llm-venv'), 'bin', 'python');
}

/** Text the tokenizer learns its merges from: what the tests prompt with. */
export function tinyCorpus(): string {
  const sums = arithmeticProblems({ digits: [1, 2, 3, 4, 5], countPerDigit: 60, seed: 0 }).map((p) => arithmeticWorkedExample(p.question));
  const qa = [
    'Q: Where would you put a cup?\nAnswer Choices:\n(a) table\n(b) sky\n(c) river\nA: A cup goes on a table. So the answer is (a).',
  ];
  return [...sums, ...qa].join('<|endoftext|>\n\n');
}

export function makeTinyLm(outDir: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): void {
  const python = llmPython(env);
  if (!existsSync(python)) throw new Error(`${python} does not exist: run \`bash scripts/setup-llm.sh\` first (or set STAR_LLM_VENV)`);
  const scratch = mkdtempSync(join(tmpdir(), 'star-tiny-corpus-'));
  try {
    const corpus = join(scratch, 'corpus.txt');
    writeFileSync(corpus, tinyCorpus());
    const result = spawnSync(python, ['-m', 'star_trainer.tiny_lm', '--corpus', corpus, '--out', outDir, ...extraArgs], {
      encoding: 'utf8',
      env: { ...env, HF_HUB_OFFLINE: '1' },
    });
    if (result.status !== 0) throw new Error(`star_trainer.tiny_lm failed (status ${result.status}):\n${result.stderr}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [outDir, ...rest] = process.argv.slice(2);
  if (!outDir || outDir.startsWith('-')) {
    console.error('usage: npx tsx scripts/make-tiny-lm.ts OUT_DIR [--arch gpt2|llama] [--width 64] [--layers 2] ...');
    process.exit(2);
  }
  makeTinyLm(outDir, rest);
  console.log(resolve(outDir));
}
