/**
 * JSON over HTTP to an inference server, retried the way a long generation pass needs: connection
 * errors, timeouts, 429 and 5xx are waited out with exponential backoff (the caller heartbeats while
 * it waits); 400/401/403/404/422 and other 4xx fail at once with the server's own message. If the
 * server was never reached during the retry budget, the URL is most likely wrong, and the error says
 * so, naming it. The API key goes into the Authorization header only, never into a message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { serverMessage } from './completions-api';
import { InferenceProtocolError, InferenceRejectedError, InferenceUnreachableError } from './errors';
import { SseParser } from './sse';

export interface RetryPolicy {
  /** Longest time one request keeps retrying before it gives up. */
  budgetMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** One attempt that takes longer is abandoned and retried (a hung server). */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { budgetMs: 120_000, initialDelayMs: 250, maxDelayMs: 10_000, requestTimeoutMs: 600_000 };

export interface HttpHooks {
  /** Called before each wait between attempts, and every few seconds during it (heartbeats). */
  onWait?: (reason: string) => void;
  /** Aborts waits and requests (activity cancellation). */
  signal?: AbortSignal;
}

/** A retryable failure that outlasted the budget after the server had answered before. */
export class InferenceUnavailableError extends Error {
  override name = 'InferenceUnavailableError';
}

/** Statuses worth retrying: the server is busy, restarting or broken for now. */
function retryable(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export class RetryingHttp {
  /** Whether any attempt got an HTTP answer: after that, a lost server is not a wrong URL. */
  private reached = false;

  constructor(
    private readonly apiKey: string | undefined,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly hooks: HttpHooks = {},
  ) {}

  async getJson(url: string): Promise<unknown> {
    return this.call('GET', url, undefined);
  }

  async postJson(url: string, body: unknown): Promise<unknown> {
    return this.call('POST', url, body);
  }

  /**
   * POSTs `body` and reads the answer as server-sent events, handing each event's data to `onData`
   * until the stream ends or `onData` returns true: then the connection is closed, and a server
   * that sees its client go stops generating. A stream broken midway is retried like any request
   * from its start (`onStart` is called before each attempt reads: the caller forgets what it read).
   */
  async postStream(url: string, body: unknown, onStart: () => void, onData: (data: string) => boolean): Promise<void> {
    await this.call('POST', url, body, async (response, close) => {
      onStart();
      if (!response.body) throw new InferenceProtocolError(`POST ${url} answered a stream without a body`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const sse = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        const events = done ? [...sse.push(decoder.decode()), ...sse.end()] : sse.push(decoder.decode(value, { stream: true }));
        for (const data of events) {
          if (onData(data)) {
            close();
            await reader.cancel().catch(() => undefined);
            return undefined;
          }
        }
        if (done) return undefined;
      }
    });
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    read?: (response: Response, close: () => void) => Promise<unknown>,
  ): Promise<unknown> {
    const started = Date.now();
    let delay = this.policy.initialDelayMs;
    for (;;) {
      let reason: string;
      let retryAfterMs: number | undefined;
      // Closes this attempt's connection once a streamed answer has been read far enough.
      const closing = new AbortController();
      try {
        const response = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.any([this.attemptSignal(), closing.signal]),
        });
        this.reached = true;
        if (response.ok && read) return await read(response, () => closing.abort());
        const text = await response.text();
        if (response.ok) return parseJson(method, url, text);
        reason = `HTTP ${response.status}: ${serverMessage(text)}`;
        if (!retryable(response.status)) throw rejected(method, url, response.status, serverMessage(text));
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof InferenceRejectedError || err instanceof InferenceProtocolError) throw err;
        if (this.hooks.signal?.aborted) throw this.hooks.signal.reason ?? err;
        reason = describeFetchError(err);
      }
      const wait = Math.min(this.policy.maxDelayMs, Math.max(delay, retryAfterMs ?? 0));
      if (Date.now() - started + wait > this.policy.budgetMs) throw this.giveUp(method, url, reason, started);
      await this.wait(wait, `${method} ${url}: ${reason}; retrying in ${(wait / 1000).toFixed(1)} s`);
      delay = Math.min(this.policy.maxDelayMs, delay * 2);
    }
  }

  private attemptSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.policy.requestTimeoutMs);
    return this.hooks.signal ? AbortSignal.any([this.hooks.signal, timeout]) : timeout;
  }

  private async wait(ms: number, reason: string): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      this.hooks.onWait?.(reason);
      await sleep(Math.min(5_000, until - Date.now()), undefined, { signal: this.hooks.signal });
    }
  }

  private giveUp(method: string, url: string, reason: string, started: number): Error {
    const seconds = Math.round((Date.now() - started) / 1000);
    if (!this.reached) {
      return new InferenceUnreachableError(
        `could not reach the inference server at ${url} (${reason}; tried for ${seconds} s): check inferenceUrl (or the serve command) and that a server is listening there`,
      );
    }
    return new InferenceUnavailableError(`${method} ${url} kept failing for ${seconds} s (last: ${reason}); the step is retried`);
  }
}

function parseJson(method: string, url: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InferenceProtocolError(
      `${method} ${url} answered with something that is not JSON (${text.slice(0, 120)}): is this an OpenAI-compatible server?`,
    );
  }
}

function rejected(method: string, url: string, status: number, message: string): InferenceRejectedError {
  const what =
    status === 401 || status === 403
      ? 'the server refused the API key: put a valid key in the environment variable named by inferenceApiKeyEnv, where the workers run'
      : status === 404
        ? 'check inferenceUrl and the model name (inferenceModelTemplate); the server lists its models at GET /v1/models'
        : 'the server refused a field of the request: fix the option it names (a server that refuses prompt lists needs inferenceBatchPrompts 1)';
  return new InferenceRejectedError(status, message, `${method} ${url} answered HTTP ${status}: ${message} (${what})`);
}

/** `Retry-After` in seconds or as a date, in ms. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** undici reports `fetch failed` with the system error (ECONNREFUSED, ENOTFOUND, a reset) as cause. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'no answer within the request timeout';
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}
