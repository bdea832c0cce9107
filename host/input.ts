/**
 * The `trainOnHost` input, checked at the boundary: it comes from a workflow that another version of
 * the code may have started, and a wrong field should be named rather than crash a trainer later.
 */
import { z } from 'zod';
import type { TrainOnHostInput } from '../contracts/activities';
import { BadInputError } from '../core/errors';

export const trainOnHostInputSchema = z.object({
  host: z.string().min(1),
  hostIndex: z.number().int().nonnegative(),
  hostCount: z.number().int().positive(),
  iteration: z.number().int().nonnegative(),
  configUri: z.string().min(1),
  baseCheckpointUri: z.string().min(1),
  commandTemplate: z.string().min(1),
  convertCommandTemplate: z.string().min(1).optional(),
  totalSteps: z.number().int().positive(),
  modelDir: z.string().min(1),
  indexUri: z.string().min(1),
  // Copied to {workdir}/data/{trainSet}: a relative path that stays inside data/.
  trainSet: z
    .string()
    .min(1)
    .refine((name) => !name.startsWith('/') && !name.split(/[\\/]/).some((part) => part === '..' || part === ''), {
      message: 'must be a relative path inside data/ (like exp/exp_1.index), without "..", a leading "/" or empty parts',
    }),
  logUri: z.string().min(1),
  rendezvous: z
    .object({ addr: z.string().min(1), port: z.number().int().min(1).max(65535), chosenBy: z.enum(['host', 'input']) })
    .optional(),
  nprocPerNode: z.number().int().positive().optional(),
}) satisfies z.ZodType<TrainOnHostInput>;

export class HostInputError extends BadInputError {
  override readonly name = 'HostInputError';
}

export function parseTrainOnHostInput(raw: unknown): TrainOnHostInput {
  const parsed = trainOnHostInputSchema.safeParse(raw);
  if (!parsed.success) throw new HostInputError(`trainOnHost input is invalid:\n${z.prettifyError(parsed.error)}`);
  if (parsed.data.hostIndex >= parsed.data.hostCount) {
    throw new HostInputError(
      `trainOnHost input is invalid: hostIndex ${parsed.data.hostIndex} is not below hostCount ${parsed.data.hostCount}`,
    );
  }
  return parsed.data;
}
