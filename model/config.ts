import { z } from 'zod';
import { readJson } from '../storage';
import { ModelConfigError } from './errors';

/**
 * The shape of the embedded transformer. Field names follow the reference's base config
 * (`layers`, `d_model`, `n_heads`, `n_vocab`, `seq`) so one JSON file can describe both the model
 * and the trainer; extra fields in such a file are ignored here.
 */
export const ModelConfigSchema = z.object({
  layers: z.number().int().min(1).max(48),
  d_model: z.number().int().min(8).max(4096),
  n_heads: z.number().int().min(1).max(64),
  n_vocab: z.number().int().min(2),
  seq: z.number().int().min(2).max(8192),
  /** Width of the MLP's hidden layer; 4 x d_model when absent. */
  d_ff: z.number().int().min(1).optional(),
  /** Name for `tokenizerByName`; its vocabulary must fit in `n_vocab`. */
  tokenizer: z.string().min(1),
});
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

export interface ModelConfig {
  layers: number;
  d_model: number;
  n_heads: number;
  n_vocab: number;
  seq: number;
  d_ff: number;
  tokenizer: string;
}

export function parseModelConfig(value: unknown, source = 'model config'): ModelConfig {
  const parsed = ModelConfigSchema.safeParse(value);
  if (!parsed.success) throw new ModelConfigError(`${source} is not a valid model config:\n${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  if (c.d_model % c.n_heads !== 0) {
    throw new ModelConfigError(`${source}: d_model ${c.d_model} must be divisible by n_heads ${c.n_heads}; change one of them`);
  }
  return {
    layers: c.layers,
    d_model: c.d_model,
    n_heads: c.n_heads,
    n_vocab: c.n_vocab,
    seq: c.seq,
    d_ff: c.d_ff ?? 4 * c.d_model,
    tokenizer: c.tokenizer,
  };
}

/** Reads a model size file such as `configs/model-default.json` (or any config holding those fields). */
export async function readModelConfig(uri: string): Promise<ModelConfig> {
  return parseModelConfig(await readJson(uri), uri);
}
