/**
 * `POST /v1/chat/completions` on `star serve`, for clients that speak only chat (`inferenceApi:
 * "chat"`). The embedded models have no chat template: the messages' contents, joined by blank lines,
 * are the prompt, so one user message samples exactly what `/v1/completions` samples for its text.
 */
import { z } from 'zod';
import { completionRequestSchema, type ParsedCompletionRequest } from '../inference/completions-api';

export const chatRequestSchema = z.strictObject({
  model: completionRequestSchema.shape.model,
  messages: z
    .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string(), name: z.string().optional() }))
    .min(1),
  max_tokens: completionRequestSchema.shape.max_tokens,
  temperature: completionRequestSchema.shape.temperature,
  top_p: completionRequestSchema.shape.top_p,
  n: completionRequestSchema.shape.n,
  stop: completionRequestSchema.shape.stop,
  seed: completionRequestSchema.shape.seed,
  stream: z.literal(false, 'streaming chat is not supported (stream the completions API): leave stream out or set it to false').optional(),
  user: completionRequestSchema.shape.user,
});

/** The completion request a chat request samples as. */
export function chatAsCompletion(request: z.output<typeof chatRequestSchema>): ParsedCompletionRequest {
  const { messages, ...rest } = request;
  return { ...rest, prompt: messages.map((m) => m.content).join('\n\n') };
}

/** A completion response in the chat shape: each choice's text becomes the assistant's message. */
export function completionAsChat<R extends { choices: { index: number; text: string; finish_reason: string }[] }>(response: R) {
  return {
    ...response,
    id: `chat${(response as { id?: string }).id ?? ''}`,
    object: 'chat.completion',
    choices: response.choices.map((c) => ({
      index: c.index,
      message: { role: 'assistant', content: c.text },
      finish_reason: c.finish_reason,
    })),
  };
}
