/**
 * The OpenAI-compatible client against `star serve` over real HTTP (a child process, no mocked
 * HTTP): the same seed gives the embedded sampler's text, stop strings end the text, a refused
 * request names the field, a wrong URL fails naming it, and a server killed mid-request is retried.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BadInputError } from '../../core/errors';
import { arithmeticContext } from '../../core/arithmetic-problems';
import { END_OF_TEXT } from '../../core/tokenizer';
import { CompletionsClient } from '../../inference/completions-client';
import { InferenceRejectedError, InferenceUnreachableError } from '../../inference/errors';
import { cutAtStop } from '../../inference/stop-strings';
import { initBackend, loadModel, sample, shutdownComputePool, type LoadedModel } from '../../model';
import { tinyBaseModel } from '../../test-support/tiny-model';
import { startServe, type ServeProcess } from './helpers';

const QUESTIONS = ['1 + 2', '3 + 4', '5 + 1', '2 + 2', '7 + 1', '4 + 5', '6 + 3', '8 + 0'];
const PROMPTS = QUESTIONS.map((q) => `\n\n${arithmeticContext(q)}`);

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

void describe('the completions client against star serve', { timeout: 300_000 }, () => {
  let checkpoint: string;
  let model: LoadedModel;
  let serve: ServeProcess;

  before(async () => {
    checkpoint = await tinyBaseModel();
    await initBackend(() => undefined);
    model = await loadModel(checkpoint);
    serve = await startServe(checkpoint);
  });

  after(async () => {
    await serve?.process.stop();
    model?.dispose();
    await shutdownComputePool();
  });

  const settings = (stop: string[], temperature = 1) => ({ model: 'star', maxTokens: 30, temperature, topP: 1, stop });

  void it('gives for each seed the text the embedded sampler gives for that seed', async () => {
    const requests = PROMPTS.map((prompt, i) => ({ prompt, seed: 1000 + i }));
    const client = new CompletionsClient({ url: serve.url, concurrency: 3, promptsPerRequest: 1 });
    const viaHttp = await client.complete(requests, settings([END_OF_TEXT]));
    const local = await sample(model, requests, { genLength: 30, temperature: 1, topP: 1 });
    assert.deepEqual(
      viaHttp,
      local.map((text) => cutAtStop(text, [END_OF_TEXT]).text),
    );
    // At temperature 1 the seed matters: other seeds give other texts, so equality above is not luck.
    const reseeded = await client.complete(
      PROMPTS.map((prompt, i) => ({ prompt, seed: 2000 + i })),
      settings([END_OF_TEXT]),
    );
    assert.notDeepEqual(reseeded, viaHttp);
  });

  void it('sends prompt lists when asked, one seed for the list', async () => {
    const client = new CompletionsClient({ url: serve.url, concurrency: 2, promptsPerRequest: 3 });
    const requests = PROMPTS.map((prompt, i) => ({ prompt, seed: 7 + i }));
    const viaHttp = await client.complete(requests, settings([END_OF_TEXT]));
    // Each list of three carries its first prompt's seed.
    const local = await sample(
      model,
      requests.map((r, i) => ({ prompt: r.prompt, seed: requests[i - (i % 3)].seed })),
      { genLength: 30, temperature: 1, topP: 1 },
    );
    assert.deepEqual(
      viaHttp,
      local.map((text) => cutAtStop(text, [END_OF_TEXT]).text),
    );
  });

  void it('ends each text before its first stop string', async () => {
    const client = new CompletionsClient({ url: serve.url, concurrency: 2, promptsPerRequest: 1 });
    const requests = PROMPTS.map((prompt, i) => ({ prompt, seed: i }));
    const texts = await client.complete(requests, settings(['</scratch>', END_OF_TEXT], 0.01));
    const local = await sample(model, requests, { genLength: 30, temperature: 0.01, topP: 1 });
    assert.ok(
      local.some((text) => text.includes('</scratch>')),
      'the tiny model writes scratchpads',
    );
    assert.deepEqual(
      texts,
      local.map((text) => cutAtStop(text, ['</scratch>', END_OF_TEXT]).text),
    );
    assert.ok(texts.every((text) => !text.includes('</scratch>') && !text.includes(END_OF_TEXT)));
  });

  void it('fails at once on a refused request, quoting the server on the field at fault', async () => {
    const client = new CompletionsClient({ url: serve.url, concurrency: 1, promptsPerRequest: 1 });
    const err = await client.complete([{ prompt: 'x', seed: 1 }], { ...settings([]), temperature: 5 }).then(
      () => assert.fail('a temperature of 5 was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InferenceRejectedError && err instanceof BadInputError, String(err));
    assert.equal(err.status, 400);
    assert.match(err.message, /HTTP 400: temperature: /);
    const wrongModel = await client.complete([{ prompt: 'x', seed: 1 }], { ...settings([]), model: 'gpt-j' }).catch((e: unknown) => e);
    assert.ok(wrongModel instanceof InferenceRejectedError);
    assert.equal(wrongModel.status, 404);
    assert.match(wrongModel.message, /"gpt-j" is not served here/);
  });

  void it('fails naming the URL when nothing listens there', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const waits: string[] = [];
    const client = new CompletionsClient({
      url,
      concurrency: 1,
      promptsPerRequest: 1,
      retry: { budgetMs: 1_500 },
      hooks: { onWait: (r) => waits.push(r) },
    });
    const err = await client.complete([{ prompt: 'x', seed: 1 }], settings([])).catch((e: unknown) => e);
    assert.ok(err instanceof InferenceUnreachableError && err instanceof BadInputError, String(err));
    assert.ok(err.message.includes(`${url}/v1/completions`), err.message);
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(waits.length > 0, 'it retried before giving up');
  });

  void it('retries a request whose server was killed mid-request, on the server that replaces it', async () => {
    const victim = await startServe(checkpoint);
    const client = new CompletionsClient({ url: victim.url, concurrency: 1, promptsPerRequest: 256, retry: { budgetMs: 120_000 } });
    const requests = Array.from({ length: 256 }, (_, i) => ({ prompt: PROMPTS[i % PROMPTS.length] as string, seed: i }));
    const expected = await new CompletionsClient({ url: serve.url, concurrency: 1, promptsPerRequest: 256 }).complete(
      requests,
      settings([END_OF_TEXT]),
    );
    const before = victim.process.output().length;
    const pending = client.complete(requests, settings([END_OF_TEXT]));
    // Killed as soon as it has the request, while it samples 256 prompts.
    await victim.process.waitFor(new RegExp(`[\\s\\S]{${before}}[\\s\\S]*completions: 256 prompts`), 60_000);
    await victim.process.crash();
    const replacement = await startServe(checkpoint, [], victim.port);
    try {
      assert.deepEqual(await pending, expected);
      assert.match(replacement.process.output(), /completions: 256 prompts/, 'the request was sent again to the new server');
    } finally {
      await replacement.process.stop();
      await victim.process.stop();
    }
  });
});
