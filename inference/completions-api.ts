/**
 * The OpenAI-compatible completions API as this project speaks it, client and server alike:
 * `POST /v1/completions` and `GET /v1/models`. Only the fields STaR needs are typed; the request
 * schema is the server's (`star serve`), the response schemas are the client's and accept whatever
 * else a server adds (vLLM, llama.cpp and `transformers serve` all add their own fields).
 */
import { z } from 'zod';

/** Stop sequences a request may carry (OpenAI allows 4; vLLM more). */
export const MAX_STOP_STRINGS = 16;
/** Upper bounds that keep one request from occupying a server for hours. */
export const MAX_PROMPTS_PER_REQUEST = 1024;
export const MAX_SAMPLES_PER_PROMPT = 64;
export const MAX_COMPLETION_TOKENS = 4096;

/**
 * A completion request. Standard fields `star serve` cannot honour are accepted only at their
 * neutral values, so a client that sends the OpenAI defaults works and one that asks for more is
 * told which field is not supported; an unknown field is refused by name.
 */
export const completionRequestSchema = z.strictObject({
  model: z.string().min(1, 'name the model to sample from (GET /v1/models lists it)'),
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS_PER_REQUEST)]),
  max_tokens: z.number().int().min(1).max(MAX_COMPLETION_TOKENS).default(16),
  temperature: z.number().min(0).max(2).default(1),
  top_p: z.number().gt(0).max(1).default(1),
  n: z.number().int().min(1).max(MAX_SAMPLES_PER_PROMPT).default(1),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP_STRINGS)])
    .nullish()
    .transform((stop) => (stop == null ? [] : typeof stop === 'string' ? [stop] : stop)),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 53 - 1)
    .nullish(),
  stream: z.boolean().optional(),
  echo: z.literal(false, 'echo is not supported: leave it out or set it to false').optional(),
  logprobs: z.null('logprobs are not supported: leave logprobs out or set it to null').optional(),
  best_of: z.literal(1, 'best_of is not supported: leave it out or set it to 1').nullish(),
  presence_penalty: z.literal(0, 'presence_penalty is not supported: leave it out or set it to 0').optional(),
  frequency_penalty: z.literal(0, 'frequency_penalty is not supported: leave it out or set it to 0').optional(),
  user: z.string().optional(),
});
export type CompletionRequest = z.input<typeof completionRequestSchema>;
export type ParsedCompletionRequest = z.output<typeof completionRequestSchema>;

export const completionChoiceSchema = z.looseObject({
  index: z.number().int().min(0),
  text: z.string(),
  finish_reason: z.string().nullish(),
});

export const completionResponseSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  model: z.string().optional(),
  choices: z.array(completionChoiceSchema),
  usage: z
    .looseObject({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional(), total_tokens: z.number().optional() })
    .nullish(),
});

/** One event of a streamed completion (`stream: true`): the pieces of text generated since the last. */
export const completionChunkSchema = z.looseObject({
  choices: z.array(
    z.looseObject({
      index: z.number().int().min(0),
      text: z.string().nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
});

/** A chat completion's answer (`POST /v1/chat/completions`): the reply's text is `message.content`. */
export const chatResponseSchema = z.looseObject({
  choices: z.array(
    z.looseObject({
      index: z.number().int().min(0),
      message: z.looseObject({ content: z.string().nullish() }),
      finish_reason: z.string().nullish(),
    }),
  ),
});

/** The chat request the client sends (only the fields STaR sets). */
export interface ChatRequest {
  model: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  max_tokens: number;
  temperature: number;
  top_p: number;
  stop: string[];
  seed: number;
}

export const modelListSchema = z.looseObject({
  object: z.string().optional(),
  data: z.array(z.looseObject({ id: z.string().min(1) })),
});

/** OpenAI's error body; `param` names the field at fault. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * The server's own words from an error body: OpenAI and vLLM (`error.message`), older vLLM and
 * llama.cpp (`message`), FastAPI/pydantic as `transformers serve` answers 422 (`detail`), else the
 * raw text.
 */
export function serverMessage(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return clip(body.trim() || '(empty body)');
  }
  const obj = parsed as { error?: unknown; message?: unknown; detail?: unknown };
  if (obj && typeof obj === 'object') {
    if (obj.error && typeof obj.error === 'object' && typeof (obj.error as { message?: unknown }).message === 'string') {
      return clip((obj.error as { message: string }).message);
    }
    if (typeof obj.error === 'string') return clip(obj.error);
    if (typeof obj.message === 'string') return clip(obj.message);
    if (obj.detail !== undefined) return clip(typeof obj.detail === 'string' ? obj.detail : JSON.stringify(obj.detail));
  }
  return clip(body.trim());
}

function clip(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
