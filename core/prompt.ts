import type { Tokenizer } from './tokenizer';

/**
 * The model input: the few-shot prompt examples joined by `\n\n`, then `\n\n`, then the context; with
 * `noPrompt`, the context alone. As in the reference, an empty prompt list (arithmetic) still gives the
 * `\n\n` separator; only `noPrompt` removes it.
 *
 * The result is NOT truncated here: the sampler left-truncates it to the sequence length in tokens
 * (keeping the end, where the context is), as the reference does with `tokens[-seq:]`; under
 * `no_prompt`, to `promptTokenLimit`'s length.
 */
export function buildPrompt(fewShot: readonly string[], context: string, options: { noPrompt: boolean }): string {
  if (options.noPrompt) return context;
  return `${fewShot.join('\n\n')}\n\n${context}`;
}

/** The reference passes `--no_prompt` to the generation pass only from iteration 2 on (eval always). */
export function noPromptForGeneration(noPrompt: boolean, iteration: number): boolean {
  return noPrompt && iteration > 1;
}

/**
 * The reference passes `--no_prompt` to every eval, and it evaluates only fine-tuned models. The base
 * eval (iteration 0, our addition) keeps a task's few-shot prompt: the base has not been taught to
 * answer without one, and iteration 1's generation prompts it so, while the bare question would measure
 * the format. A task without few-shot examples (the arithmetic demo) keeps the bare context.
 */
export function noPromptForEval(noPrompt: boolean, iteration: number, fewShot: readonly string[]): boolean {
  return noPrompt && (iteration > 0 || fewShot.length === 0);
}

/** Under `no_prompt` the reference evaluates with sequence length `128 + gen_length`. */
export function noPromptEvalSeq(genLength: number): number {
  return 128 + genLength;
}

/**
 * The longest prompt in tokens, or undefined for no limit beyond the model's: under `no_prompt` the
 * reference passes `--eval_seq 128+gen_length` and cuts every input to its last that many tokens (the
 * generation pass from iteration 2 on, plain and hinted alike, and the eval). Give it the pass's own
 * no-prompt setting (`noPromptForGeneration` for generation).
 */
export function promptTokenLimit(noPrompt: boolean, genLength: number): number | undefined {
  return noPrompt ? noPromptEvalSeq(genLength) : undefined;
}

/**
 * The text of the last `maxTokens` tokens of `text` (all of it when it has no more), for a sampler
 * that sends text rather than ids. A cut inside a character's UTF-8 bytes decodes as U+FFFD.
 */
export function keepLastTokens(text: string, tokenizer: Tokenizer, maxTokens: number): string {
  const ids = tokenizer.encode(text);
  return ids.length <= maxTokens ? text : tokenizer.decode(ids.slice(ids.length - maxTokens));
}
