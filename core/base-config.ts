import { z } from 'zod';
import { BadInputError } from './errors';

/**
 * The reference trainer's config (`configs/qa_base.json` of the STaR repo, read by mesh-transformer-jax's
 * device_train.py / device_inference.py). Every field of qa_base.json is listed; other keys the
 * trainer understands (e.g. `scale_by`, `early_cast`) pass through unchanged.
 */
export const baseConfigSchema = z.looseObject({
  layers: z.number().int().positive(),
  d_model: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  n_vocab: z.number().int().positive(),
  norm: z.string(),
  pe: z.string(),
  pe_rotary_dims: z.number().int().positive(),
  seq: z.number().int().positive(),
  cores_per_replica: z.number().int().positive(),
  per_replica_batch: z.number().int().positive(),
  gradient_accumulation_steps: z.number().int().positive(),
  warmup_steps: z.number().int().nonnegative(),
  anneal_steps: z.number().int().nonnegative(),
  lr: z.number().nonnegative(),
  end_lr: z.number().nonnegative(),
  weight_decay: z.number().nonnegative(),
  total_steps: z.number().int().nonnegative(),
  tpu_size: z.number().int().positive(),
  p_rationalization: z.number().min(0).max(1),
  bucket: z.string().min(1),
  model_dir: z.string().min(1),
  train_set: z.string().min(1),
  val_set: z.record(z.string(), z.string()),
  eval_harness_tasks: z.array(z.string()),
  val_batches: z.number().int().nonnegative(),
  val_every: z.number().int().positive(),
  ckpt_every: z.number().int().positive(),
  keep_every: z.number().int().positive(),
  name: z.string().min(1),
  wandb_project: z.string(),
  comment: z.string(),
  target_save_folder: z.string().optional(),
  target_save: z.string().optional(),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export class BaseConfigError extends BadInputError {
  override readonly name = 'BaseConfigError';
}

/** Parses a base config; errors name the source and every bad field with its value. */
export function parseBaseConfig(value: unknown, source = 'base config'): BaseConfig {
  const parsed = baseConfigSchema.safeParse(value);
  if (!parsed.success) throw new BaseConfigError(`${source} is not a valid trainer config:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
