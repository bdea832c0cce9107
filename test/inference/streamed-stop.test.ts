/**
 * The server side of the completion stop rule: server-sent events parsed however the bytes are
 * split, each completion cut where the rule fires on its text so far (as the embedded sampler cuts
 * after a token), and against a server that would loop forever, the request closed once it fires.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { completionStopReason } from '../../core/completion-stop';
import { CompletionsClient } from '../../inference/completions-client';
import { SseParser } from '../../inference/sse';
import { StoppingStream } from '../../inference/stopping-stream';

const event = (choices: unknown[]) => `data: ${JSON.stringify({ choices })}\n\n`;

void describe('SseParser', () => {
  void it('gives the data of whole events, whatever the split and line ending', () => {
    const stream = 'data: {"a":1}\r\n\r\n: keep-alive\n\ndata: {"b":\ndata: 2}\n\ndata: [DONE]\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const split of [1, 3, 7]) {
        const parser = new SseParser();
        const pieces = [
          stream.slice(0, cut),
          ...Array.from({ length: Math.ceil((stream.length - cut) / split) }, (_, k) =>
            stream.slice(cut + k * split, cut + (k + 1) * split),
          ),
        ];
        const data = [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
        assert.deepEqual(data, ['{"a":1}', '{"b":\n2}', '[DONE]'], `cut at ${cut}, then pieces of ${split}`);
      }
    }
  });

  void it('gives a last event the stream ended without a blank line after', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: x\n\ndata: y'), ['x']);
    assert.deepEqual(parser.end(), ['y']);
  });
});

void describe('StoppingStream', () => {
  void it('keeps each completion up to the piece after which the rule fires, and is done when all have stopped or ended', () => {
    const stream = new StoppingStream(2, { repeatedLines: 3 });
    const pieces = ['x', '\n', 'x', '\n', 'x', '\n', 'x', '\n'];
    assert.equal(stream.add([{ index: 1, text: 'ok', finish_reason: 'stop' }]), false);
    let done = false;
    for (const text of pieces) done = stream.add([{ index: 0, text }]);
    assert.equal(done, true);
    assert.deepEqual(stream.texts, ['x\nx\nx\n', 'ok']);
    assert.equal(stream.stoppedByRule, 1);
    // The cut is the shortest piece-by-piece prefix on which the rule fires: the embedded sampler's, piece for token.
    assert.equal(completionStopReason('x\nx\nx', { repeatedLines: 3 }), undefined);
  });

  void it('forgets what it read when the request starts again', () => {
    const stream = new StoppingStream(1, { repeatedTail: 8 });
    stream.add([{ index: 0, text: 'abc' }]);
    stream.restart();
    stream.add([{ index: 0, text: 'z', finish_reason: 'length' }]);
    assert.deepEqual(stream.texts, ['z']);
  });
});

void describe('a streamed completion with a stop rule', () => {
  void it('closes the request once the rule fires, and keeps the text cut there', async () => {
    let closedEarly = false;
    let sent = 0;
    let body: Record<string, unknown> = {};
    const server = createServer((req, res: ServerResponse) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(event([{ index: 0, text: ' 1 +' }]));
        // A loop to the token limit, one token a piece, that only ends when the client goes away.
        const loop = () => {
          if (res.destroyed || sent > 10_000) return;
          sent++;
          res.write(event([{ index: 0, text: ' 2' }]), () => setImmediate(loop));
        };
        res.on('close', () => (closedEarly = !res.writableEnded));
        loop();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new CompletionsClient({ url: `http://127.0.0.1:${port}`, concurrency: 1, promptsPerRequest: 1 });
      const [text] = await client.complete([{ prompt: 'Q', seed: 3 }], {
        model: 'm',
        maxTokens: 4096,
        temperature: 0,
        topP: 1,
        stop: ['\n\n'],
        stopRule: { repeatedTail: 16 },
      });
      assert.equal(body.stream, true);
      // ' 1 +' then ' 2' eight times: the first text whose last 16 characters repeat one piece.
      assert.equal(text, ` 1 +${' 2'.repeat(8)}`);
      assert.equal(completionStopReason(` 1 +${' 2'.repeat(7)}`, { repeatedTail: 16 }), undefined);
      while (!closedEarly) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(sent < 10_000, `the server stopped writing after ${sent} pieces`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
