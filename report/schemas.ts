/**
 * What the report reads from an experiment's store, checked with zod: the metrics rows, the
 * generation shards' outputs and the resolved input. Only the fields the report shows are required;
 * unknown fields pass, so rows written by other versions still make a report.
 */
import { z } from 'zod';

const classAccuracy = z.object({ correct: z.number(), total: z.number(), accuracy: z.number() });

export const metricsRowSchema = z.looseObject({
  iteration: z.number().int().min(0),
  attempted: z.number().optional(),
  kept: z.number().optional(),
  rationalized: z.number().optional(),
  totalSteps: z.number().optional(),
  loss: z.number().optional(),
  accuracy: z.record(z.string(), classAccuracy).optional(),
  overallAccuracy: z.number().optional(),
  seconds: z.record(z.string(), z.number()).optional(),
});
export type MetricsRow = z.infer<typeof metricsRowSchema>;

const keptSchema = z.looseObject({
  exampleId: z.string(),
  text: z.string(),
  rationalized: z.boolean(),
  hint: z.string().optional(),
});

const failedSchema = z.looseObject({
  exampleId: z.string(),
  rank: z.number(),
  context: z.string(),
  answer: z.string(),
  output: z.string(),
  hintedOutput: z.string().optional(),
  hint: z.string().optional(),
});

export const generationShardSchema = z.looseObject({
  kept: z.array(keptSchema),
  failures: z.array(failedSchema).optional(),
});
export type GenerationShard = z.infer<typeof generationShardSchema>;
export type KeptSample = z.infer<typeof keptSchema>;
export type FailedSample = z.infer<typeof failedSchema>;

export const experimentInputSchema = z.looseObject({
  task: z.string().optional(),
  taskFile: z.string().optional(),
  nIters: z.number().optional(),
  earlyStop: z
    .object({ patience: z.number().int().min(1), minDelta: z.number().min(0).default(0) })
    .optional()
    .catch(undefined),
});
