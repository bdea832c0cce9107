/**
 * A client for an OpenAI-compatible `POST /v1/completions`. Prompts go one per request (each with
 * its own `seed`), or `promptsPerRequest` to a request where the server accepts prompt lists; at
 * most `concurrency` requests are in flight. STaR draws one sample per example, so `n` is never
 * sent (`transformers serve` and llama.cpp ignore it anyway).
 */
import type { CompletionStopRule } from '../core/completion-stop';
import {
  chatResponseSchema,
  completionChunkSchema,
  completionResponseSchema,
  modelListSchema,
  serverMessage,
  type ChatRequest,
  type CompletionRequest,
} from './completions-api';
import { InferenceProtocolError } from './errors';
import { DEFAULT_RETRY_POLICY, RetryingHttp, type HttpHooks, type RetryPolicy } from './retrying-http';
import { RequestSlots } from './request-slots';
import { cutAtStop } from './stop-strings';
import { StoppingStream } from './stopping-stream';

export interface CompletionsClientOptions {
  /** The server's base URL, with or without the trailing `/v1`. */
  url: string;
  apiKey?: string;
  /** Requests in flight at once. */
  concurrency: number;
  /**
   * Prompts per request. Above 1 the prompts travel as a list, and the API has one `seed` per
   * request: the server applies the first prompt's seed to all of them.
   */
  promptsPerRequest: number;
  retry?: Partial<RetryPolicy>;
  hooks?: HttpHooks;
  /**
   * `completions` (the default): `POST /v1/completions`, the prompt continued as text. `chat`:
   * `POST /v1/chat/completions` for servers of instruct models that only speak chat; the whole prompt
   * (few-shot examples and the question, exactly the text `completions` sends) is one user message
   * and the reply is the continuation (see `chatRequest`). One prompt per request: chat has no lists.
   */
  api?: InferenceApi;
}

export type InferenceApi = 'completions' | 'chat';

/**
 * The chat form of one prompt: a single user message holding the prompt as the completions API
 * would send it. Not user/assistant turns per few-shot example: the prompt reaching the sampler is
 * already the reference's text (examples joined by blank lines, then the question ending in `A:`),
 * and cutting it back into turns would need each task's answer marker and would leave a question
 * ending in a bare `A:` in a user turn; one message keeps the text, seeds and retries as they are
 * for completions, and the server's chat template adds the turn markers the model was tuned on.
 */
export function chatRequest(prompt: PromptRequest, settings: CompletionSettings): ChatRequest {
  return {
    model: settings.model,
    messages: [{ role: 'user', content: prompt.prompt }],
    max_tokens: settings.maxTokens,
    temperature: settings.temperature,
    top_p: settings.topP,
    stop: settings.stop,
    seed: prompt.seed,
    ...settings.extraFields,
  };
}

export interface CompletionSettings {
  model: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  stop: string[];
  /**
   * Fields sent in every request besides these (serverSamplingFields: the server's neutral penalties
   * and cut-offs, then inferenceExtraBody), so a server's own defaults cannot change the sampling.
   */
  extraFields?: Record<string, unknown>;
  /**
   * Where a completion stops early (core/completion-stop.ts): the request streams (`stream: true`)
   * and each completion is checked after every piece of text the server sends, as the embedded
   * sampler checks after every token; once every completion of the request has stopped or ended,
   * the connection is closed and the server stops generating. Completions API only.
   */
  stopRule?: CompletionStopRule;
}

export interface PromptRequest {
  prompt: string;
  seed: number;
}

/** `http://host:8000`, `http://host:8000/` and `http://host:8000/v1` all mean `http://host:8000/v1`. */
export function apiBase(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`${JSON.stringify(url)} is not a URL of an http(s) server; give the server's address, e.g. http://127.0.0.1:8000`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/v1') ? path : `${path}/v1`;
  return parsed.toString().replace(/\/+$/, '');
}

function completionBody(items: PromptRequest[], settings: CompletionSettings): CompletionRequest {
  return {
    model: settings.model,
    prompt: items.length === 1 ? (items[0] as PromptRequest).prompt : items.map((item) => item.prompt),
    max_tokens: settings.maxTokens,
    temperature: settings.temperature,
    top_p: settings.topP,
    stop: settings.stop,
    seed: (items[0] as PromptRequest).seed,
    ...settings.extraFields,
  };
}

export class CompletionsClient {
  readonly base: string;
  private readonly http: RetryingHttp;
  private readonly slots: RequestSlots;
  /** Completions the stop rule ended (`CompletionSettings.stopRule`), and the requests closed before the server ended them. */
  readonly stopped = { completions: 0, requestsClosed: 0 };

  constructor(private readonly options: CompletionsClientOptions) {
    if (!(options.concurrency >= 1) || !(options.promptsPerRequest >= 1)) {
      throw new RangeError(
        `concurrency and promptsPerRequest must be at least 1 (got ${options.concurrency}, ${options.promptsPerRequest})`,
      );
    }
    if (options.api === 'chat' && options.promptsPerRequest !== 1) {
      throw new RangeError(
        `the chat API takes one prompt per request (got promptsPerRequest ${options.promptsPerRequest}): set inferenceBatchPrompts to 1`,
      );
    }
    this.base = apiBase(options.url);
    this.slots = new RequestSlots(options.concurrency);
    this.http = new RetryingHttp(options.apiKey, { ...DEFAULT_RETRY_POLICY, ...options.retry }, options.hooks);
  }

  /** The model ids the server serves (`GET /v1/models`). */
  async models(): Promise<string[]> {
    const url = `${this.base}/models`;
    const parsed = modelListSchema.safeParse(await this.http.getJson(url));
    if (!parsed.success)
      throw new InferenceProtocolError(
        `GET ${url} did not answer with a model list ({data: [{id}]}): is this an OpenAI-compatible server?`,
      );
    return parsed.data.data.map((m) => m.id);
  }

  /**
   * One continuation per prompt, in order, each cut at its first stop string. Calls share the
   * client's `concurrency` slots; `order` ranks a call's requests against other calls' waiting
   * ones (lower first: a shard passes its chunk's index, so an earlier chunk finishes first).
   */
  async complete(
    prompts: PromptRequest[],
    settings: CompletionSettings,
    onProgress?: (done: number) => void,
    order = 0,
  ): Promise<string[]> {
    const groups: { start: number; items: PromptRequest[] }[] = [];
    for (let start = 0; start < prompts.length; start += this.options.promptsPerRequest) {
      groups.push({ start, items: prompts.slice(start, start + this.options.promptsPerRequest) });
    }
    const texts = new Array<string>(prompts.length);
    let done = 0;
    // After a failure the call's waiting requests are not sent: the call is failing anyway.
    let failed = false;
    await Promise.all(
      groups.map((group) =>
        this.slots.run(order, async () => {
          if (failed) return;
          try {
            const out = await this.request(group.items, settings);
            out.forEach((text, k) => (texts[group.start + k] = text));
            done += out.length;
            onProgress?.(done);
          } catch (err) {
            failed = true;
            throw err;
          }
        }),
      ),
    );
    return texts;
  }

  private async request(items: PromptRequest[], settings: CompletionSettings): Promise<string[]> {
    if (this.options.api === 'chat') return [await this.chat(items[0] as PromptRequest, settings)];
    const url = `${this.base}/completions`;
    if (settings.stopRule) return this.streamed(url, items, settings, settings.stopRule);
    const parsed = completionResponseSchema.safeParse(await this.http.postJson(url, completionBody(items, settings)));
    if (!parsed.success) {
      throw new InferenceProtocolError(
        `POST ${url} did not answer with completions ({choices: [{index, text}]}): ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const choices = [...parsed.data.choices].sort((a, b) => a.index - b.index);
    if (choices.length !== items.length) {
      throw new InferenceProtocolError(
        `POST ${url} answered ${choices.length} choices for ${items.length} prompts; a server that does not take prompt lists needs inferenceBatchPrompts 1`,
      );
    }
    return choices.map((choice) => cutAtStop(choice.text, settings.stop).text);
  }

  /** The completions of one request, streamed and cut where `rule` stops each (`CompletionSettings.stopRule`). */
  private async streamed(url: string, items: PromptRequest[], settings: CompletionSettings, rule: CompletionStopRule): Promise<string[]> {
    const stream = new StoppingStream(items.length, rule);
    await this.http.postStream(
      url,
      { ...completionBody(items, settings), stream: true },
      () => stream.restart(),
      (data) => {
        if (data.trim() === '[DONE]') return stream.finish();
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          throw new InferenceProtocolError(
            `POST ${url} streamed an event that is not JSON (${data.slice(0, 120)}): is this an OpenAI-compatible server?`,
          );
        }
        const parsed = completionChunkSchema.safeParse(json);
        if (!parsed.success) {
          throw new InferenceProtocolError(
            `POST ${url} streamed an event without completions ({choices: [{index, text}]}): ${serverMessage(data)}`,
          );
        }
        return stream.add(parsed.data.choices);
      },
    );
    this.stopped.completions += stream.stoppedByRule;
    if (stream.stoppedByRule > 0 && stream.closedEarly) this.stopped.requestsClosed++;
    return stream.texts.map((text) => cutAtStop(text, settings.stop).text);
  }

  private async chat(item: PromptRequest, settings: CompletionSettings): Promise<string> {
    const url = `${this.base}/chat/completions`;
    const parsed = chatResponseSchema.safeParse(await this.http.postJson(url, chatRequest(item, settings)));
    if (!parsed.success) {
      throw new InferenceProtocolError(
        `POST ${url} did not answer with a chat completion ({choices: [{index, message: {content}}]}): ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const choice = parsed.data.choices.find((c) => c.index === 0) ?? parsed.data.choices[0];
    if (!choice) throw new InferenceProtocolError(`POST ${url} answered no choices for one prompt`);
    return cutAtStop(choice.message.content ?? '', settings.stop).text;
  }
}
