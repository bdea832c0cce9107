/**
 * `star serve` answers only requests meant for it: a `Host` that is not the address it is bound to
 * (DNS rebinding: a web page's name pointed at 127.0.0.1) is refused, and so is a browser's request
 * (it carries `Origin`) unless the server has a key; off loopback it wants a key.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { LoadedModel } from '../../model';
import { CompletionsServer } from '../../serve/completions-server';
import { runStar } from '../cli/run-star';

interface Answer {
  status: number;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (text += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// The guard answers before the model is used: GET /v1/models never samples.
const noModel = {} as LoadedModel;

void describe('star serve refuses requests not meant for it', () => {
  let open: CompletionsServer;
  let keyed: CompletionsServer;
  let openPort: number;
  let keyedPort: number;

  before(async () => {
    open = new CompletionsServer({ model: noModel, modelName: 'star' });
    openPort = Number(new URL(await open.listen(0, '127.0.0.1')).port);
    keyed = new CompletionsServer({ model: noModel, modelName: 'star', apiKey: 'sk-test' });
    keyedPort = Number(new URL(await keyed.listen(0, '127.0.0.1')).port);
  });
  after(async () => {
    await open?.close();
    await keyed?.close();
  });

  void it('answers its own address under any loopback name', async () => {
    for (const host of [`127.0.0.1:${openPort}`, `localhost:${openPort}`, 'localhost']) {
      const answer = await send(openPort, 'GET', '/v1/models', { host });
      assert.equal(answer.status, 200, `Host ${host}: ${answer.body}`);
    }
  });

  void it('refuses a Host header naming another server (DNS rebinding)', async () => {
    const answer = await send(openPort, 'GET', '/v1/models', { host: `attacker.example:${openPort}` });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /Host attacker\.example:\d+ is not this server's address/);
    const keyedAnswer = await send(keyedPort, 'GET', '/v1/models', { host: 'attacker.example', authorization: 'Bearer sk-test' });
    assert.equal(keyedAnswer.status, 403, 'a key does not make another name this server');
  });

  void it('refuses a browser request (Origin) to a server without a key', async () => {
    const post = await send(
      openPort,
      'POST',
      '/v1/completions',
      { host: `127.0.0.1:${openPort}`, origin: 'http://attacker.example', 'content-type': 'text/plain' },
      '{"model":"star","prompt":"1+1"}',
    );
    assert.equal(post.status, 403);
    assert.match(post.body, /browser.*--api-key-env/);
    const get = await send(openPort, 'GET', '/v1/models', { host: `127.0.0.1:${openPort}`, origin: 'null' });
    assert.equal(get.status, 403);
  });

  void it('lets a browser request with the key through to the key check', async () => {
    const withKey = await send(keyedPort, 'GET', '/v1/models', {
      host: `127.0.0.1:${keyedPort}`,
      origin: 'http://my-ui.example',
      authorization: 'Bearer sk-test',
    });
    assert.equal(withKey.status, 200, withKey.body);
    const without = await send(keyedPort, 'GET', '/v1/models', { host: `127.0.0.1:${keyedPort}`, origin: 'http://attacker.example' });
    assert.equal(without.status, 401);
  });

  void it('wants a key to serve off loopback, before loading a model', () => {
    const run = runStar(['serve', '--host', '0.0.0.0', '--port', '0', '--checkpoint', '/nonexistent/step_1']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--host 0\.0\.0\.0 serves other machines: give --api-key-env VAR .* or --no-api-key/);
  });
});
