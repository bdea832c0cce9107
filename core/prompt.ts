/**
 * The model input: the few-shot prompt examples joined by `\n\n`, then `\n\n`, then the context; with
 * `noPrompt`, the context alone. As in the reference, an empty prompt list (arithmetic) still gives the
 * `\n\n` separator; only `noPrompt` removes it.
 *
 * The result is NOT truncated here: the sampler left-truncates it to the sequence length in tokens
 * (keeping the end, where the context is), as the reference does with `tokens[-seq:]`.
 */
export function buildPrompt(fewShot: readonly string[], context: string, options: { noPrompt: boolean }): string {
  if (options.noPrompt) return context;
  return `${fewShot.join('\n\n')}\n\n${context}`;
}

/** The reference passes `--no_prompt` to the generation pass only from iteration 2 on (eval always). */
export function noPromptForGeneration(noPrompt: boolean, iteration: number): boolean {
  return noPrompt && iteration > 1;
}

/** Under `no_prompt` the reference evaluates with sequence length `128 + gen_length`. */
export function noPromptEvalSeq(genLength: number): number {
  return 128 + genLength;
}
