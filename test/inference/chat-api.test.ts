import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { CompletionsClient } from '../../inference/completions-client';

/** A chat server that records each request and answers with a reply naming the seed it got. */
function recordingChatServer(): { server: Server; requests: { url: string; body: Record<string, unknown> }[] } {
  const requests: { url: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push({ url: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: ` The answer is (b).\n\nQ: seed ${String(body.seed)}` },
              finish_reason: 'stop',
            },
          ],
        }),
      );
    });
  });
  return { server, requests };
}

void describe('inferenceApi "chat"', () => {
  const { server, requests } = recordingChatServer();
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  void it('sends each prompt as one user message to /v1/chat/completions, with its seed and the stop strings, and cuts the reply at them', async () => {
    const client = new CompletionsClient({ url, concurrency: 2, promptsPerRequest: 1, api: 'chat' });
    const settings = { model: 'smol', maxTokens: 40, temperature: 0.01, topP: 0.9, stop: ['\n\n', '<|endoftext|>'] };
    const prompts = [
      { prompt: 'Q: one?\nA: yes (a).\n\nQ: two?\nA:', seed: 11 },
      { prompt: 'Q: three?\nA:', seed: 12 },
    ];
    assert.deepEqual(await client.complete(prompts, settings), [' The answer is (b).', ' The answer is (b).']);
    const bySeed = [...requests].sort((a, b) => Number(a.body.seed) - Number(b.body.seed));
    assert.deepEqual(bySeed, [
      {
        url: '/v1/chat/completions',
        body: {
          model: 'smol',
          messages: [{ role: 'user', content: prompts[0]!.prompt }],
          max_tokens: 40,
          temperature: 0.01,
          top_p: 0.9,
          stop: settings.stop,
          seed: 11,
        },
      },
      {
        url: '/v1/chat/completions',
        body: {
          model: 'smol',
          messages: [{ role: 'user', content: prompts[1]!.prompt }],
          max_tokens: 40,
          temperature: 0.01,
          top_p: 0.9,
          stop: settings.stop,
          seed: 12,
        },
      },
    ]);
  });

  void it('refuses prompt lists, which chat has not', () => {
    assert.throws(
      () => new CompletionsClient({ url: 'http://127.0.0.1:1', concurrency: 1, promptsPerRequest: 4, api: 'chat' }),
      /the chat API takes one prompt per request \(got promptsPerRequest 4\): set inferenceBatchPrompts to 1/,
    );
    const parsed = parseExperimentInput({
      experiment: 'x',
      task: 'arithmetic',
      inference: 'openai',
      inferenceUrl: 'http://127.0.0.1:8000',
      inferenceApi: 'chat',
      inferenceBatchPrompts: 8,
    });
    assert.equal(parsed.ok, false);
    assert.deepEqual(!parsed.ok && parsed.problems, [
      {
        field: 'inferenceBatchPrompts',
        value: 8,
        expected: 'the chat API takes one prompt per request: set inferenceBatchPrompts to 1 with inferenceApi "chat"',
      },
    ]);
  });
});
