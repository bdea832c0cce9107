/**
 * The one tokenizer interface of the project. Training records are written with the tokenizer of the
 * model that will train on them: GPT-2 BPE (`gpt2`, r50k_base) for the reference trainer, the
 * embedded model's own small vocabulary for the tfjs trainer. Records keep the same TFRecord format
 * either way; the checkpoint manifest names which tokenizer its ids belong to.
 */
export const END_OF_TEXT = '<|endoftext|>';

export interface Tokenizer {
  /** Stable name stored in checkpoint manifests and iteration summaries, e.g. `gpt2`. */
  readonly name: string;
  readonly vocabSize: number;
  /** Id of the end-of-text token (50256 for GPT-2). */
  readonly eotId: number;
  /** Encodes text; the literal `<|endoftext|>` becomes `eotId`. */
  encode(text: string): number[];
  /** Decodes ids; `eotId` becomes the literal `<|endoftext|>`. */
  decode(ids: ArrayLike<number>): string;
}
