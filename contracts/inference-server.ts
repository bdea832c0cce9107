/**
 * Which kind of OpenAI-compatible server a run talks to, and the extra request fields it may be
 * given. Servers disagree on the names of sampling fields and some refuse fields they do not know
 * (`transformers serve` answers HTTP 422, `star serve` 400), so the kind decides what a request
 * states (inference/server-sampling-fields.ts; docs/inference-servers.md).
 */
import { z } from 'zod';

export const INFERENCE_SERVERS = ['generic', 'vllm', 'llama.cpp', 'transformers', 'star'] as const;
export type InferenceServer = (typeof INFERENCE_SERVERS)[number];

/** Fields the project sets itself: inferenceExtraBody may not override them (use the options named). */
const OWNED_FIELDS: Record<string, string> = {
  model: 'inferenceModelTemplate',
  prompt: 'the task',
  messages: 'the task',
  max_tokens: 'genLength',
  temperature: 'temperature',
  top_p: 'topP',
  stop: 'the task',
  seed: 'seed',
  n: 'samplesPerQuestion',
  stream: 'nothing (streaming is not used)',
};

/** inferenceExtraBody as written: a JSON object of fields the server takes, none the project owns. */
export const inferenceExtraBodySchema = z.record(z.string(), z.unknown()).superRefine((body, ctx) => {
  for (const key of Object.keys(body)) {
    const owner = OWNED_FIELDS[key];
    if (owner)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        input: body[key],
        message: `inferenceExtraBody may not set "${key}": it is set from ${owner}`,
      });
  }
});
export type InferenceExtraBody = z.output<typeof inferenceExtraBodySchema>;
