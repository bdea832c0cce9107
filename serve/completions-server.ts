/**
 * The embedded model behind the OpenAI-compatible API: `GET /v1/models` and `POST /v1/completions`
 * (prompt lists, `n`, `seed`, `stop`, `max_tokens`, `temperature`, `top_p`, `stream`), and `POST
 * /v1/chat/completions` (serve/chat-completions.ts). A request's `seed`
 * seeds its prompt's sampler exactly as the embedded path seeds an example, so the same seed gives
 * the same text through HTTP as in-process. Bad requests get 400 (a wrong value) or 422 (an unknown
 * field) in OpenAI's error shape, naming the field.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { keyedSeed } from '../core/prng';
import { END_OF_TEXT } from '../core/tokenizer';
import { completionRequestSchema, type ApiErrorBody, type ParsedCompletionRequest } from '../inference/completions-api';
import { cutAtStop } from '../inference/stop-strings';
import type { LoadedModel } from '../model';
import { refusal, type GuardSettings } from './request-guard';
import { SamplingQueue } from './sampling-queue';
import { writeCompletionStream } from './completion-stream';
import { chatAsCompletion, chatRequestSchema, completionAsChat } from './chat-completions';

export interface CompletionsServerOptions {
  model: LoadedModel;
  /** The id `GET /v1/models` lists and requests must name. */
  modelName: string;
  /** Requests must carry `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Rows the sampler decodes together. */
  batchSize?: number;
  /** Told of every completion request as it arrives (before sampling starts). */
  onRequest?: (line: string) => void;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

export class CompletionsServer {
  private readonly server: Server;
  private readonly queue: SamplingQueue;
  private readonly created = Math.floor(Date.now() / 1000);
  /** Set once listening: the address and port requests must name. */
  private guard: GuardSettings | undefined;

  constructor(private readonly options: CompletionsServerOptions) {
    this.queue = new SamplingQueue(options.model, 256, options.batchSize ?? 64);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Listens (port 0 picks a free one) and returns the base URL, `http://host:port/v1`. */
  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.guard = { boundHost: host, port: address.port, hasApiKey: this.options.apiKey !== undefined };
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shown}:${address.port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const refused = this.guard && refusal({ host: req.headers.host, origin: req.headers.origin }, this.guard);
      if (refused) throw new HttpError(refused.status, refused.message, null, 'permission_error');
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
      if (path === '/v1/models' || path === '/v1/completions' || path === CHAT) this.authorize(req);
      if (path === '/v1/models' || path === '/health') {
        if (req.method !== 'GET') throw new HttpError(405, `${path} answers GET only`);
        send(res, 200, path === '/health' ? { status: 'ok' } : this.modelList());
        return;
      }
      if (path === '/v1/completions') {
        if (req.method !== 'POST') throw new HttpError(405, '/v1/completions answers POST only');
        const request = parseRequest(await readBody(req), completionRequestSchema, COMPLETION_FIELDS);
        const response = await this.complete(request);
        if (!request.stream) {
          send(res, 200, response);
          return;
        }
        const { sent, total } = await writeCompletionStream(res, response, response.choices, this.options.model.tokenizer);
        if (sent < total) this.options.onRequest?.(`completions: stream closed by the client after ${sent} of ${total} events`);
        return;
      }
      if (path === CHAT) {
        if (req.method !== 'POST') throw new HttpError(405, `${CHAT} answers POST only`);
        send(
          res,
          200,
          completionAsChat(await this.complete(chatAsCompletion(parseRequest(await readBody(req), chatRequestSchema, CHAT_FIELDS)))),
        );
        return;
      }
      throw new HttpError(
        404,
        `no endpoint ${req.method} ${path}: this server answers GET /v1/models, POST /v1/completions and POST ${CHAT}`,
        null,
        'not_found_error',
      );
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { error: { message: err.message, type: err.type, param: err.param, code: null } } satisfies ApiErrorBody);
      } else {
        console.error(`star serve: ${(err as Error).stack ?? String(err)}`);
        send(res, 500, {
          error: { message: `the sampler failed: ${(err as Error).message}`, type: 'server_error', param: null, code: null },
        } satisfies ApiErrorBody);
      }
    }
  }

  private authorize(req: IncomingMessage): void {
    const expected = this.options.apiKey;
    if (!expected) return;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new HttpError(401, 'missing or wrong API key: send Authorization: Bearer <key>', null, 'authentication_error');
    }
  }

  private modelList() {
    return { object: 'list', data: [{ id: this.options.modelName, object: 'model', created: this.created, owned_by: 'star-temporal' }] };
  }

  private async complete(request: ParsedCompletionRequest) {
    if (request.model !== this.options.modelName) {
      throw new HttpError(
        404,
        `model "${request.model}" is not served here; this server serves "${this.options.modelName}" (GET /v1/models)`,
        'model',
        'not_found_error',
      );
    }
    const prompts = typeof request.prompt === 'string' ? [request.prompt] : request.prompt;
    this.options.onRequest?.(
      `completions: ${prompts.length} prompt${prompts.length === 1 ? '' : 's'} x ${request.n}, max_tokens ${request.max_tokens}, temperature ${request.temperature}`,
    );
    // Choice k*n + j is sample j of prompt k (OpenAI's and vLLM's order). Sample 0 uses the
    // request's seed itself, so one prompt with `seed` s gives what the embedded sampler gives for s.
    const samples = prompts.flatMap((prompt) =>
      Array.from({ length: request.n }, (_, j) => ({ prompt, seed: sampleSeed(request.seed, j) })),
    );
    const raw = await this.queue.submit({ genLength: request.max_tokens, temperature: request.temperature, topP: request.top_p }, samples);
    const { tokenizer } = this.options.model;
    let completionTokens = 0;
    const choices = raw.map((text, index) => {
      completionTokens += tokenizer.encode(text).length;
      const ended = cutAtStop(text, [END_OF_TEXT]);
      const cut = cutAtStop(ended.text, request.stop);
      return { index, text: cut.text, logprobs: null, finish_reason: ended.stopped || cut.stopped ? 'stop' : 'length' };
    });
    const promptTokens = prompts.reduce((sum, prompt) => sum + tokenizer.encode(prompt).length, 0);
    return {
      id: `cmpl-${randomUUID()}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: this.options.modelName,
      choices,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  }
}

function sampleSeed(seed: number | null | undefined, j: number): number {
  if (seed === null || seed === undefined) return randomInt(2 ** 31);
  return j === 0 ? seed : keyedSeed(seed, 'n', String(j));
}

const CHAT = '/v1/chat/completions';
const COMPLETION_FIELDS = '/v1/completions takes model, prompt, max_tokens, temperature, top_p, n, stop, seed, stream';
const CHAT_FIELDS = `${CHAT} takes model, messages, max_tokens, temperature, top_p, n, stop, seed`;

function parseRequest<S extends z.ZodType>(body: string, schema: S, fields: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'the request body is not JSON: send a JSON object with model, prompt and the sampling fields');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.join(', ');
    throw new HttpError(422, `unknown field ${keys}: ${fields}`, issue.keys[0] ?? null);
  }
  const field = issue.path.map(String).join('.') || '(body)';
  throw new HttpError(400, `${field}: ${issue.message}`, field);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
