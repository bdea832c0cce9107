/**
 * The completion stop rule through `star serve` (a child process, real HTTP): a looping
 * completion's stream is closed by the client once the rule fires, and the text kept is the text
 * the embedded sampler keeps with the same rule and seed: the same cut, piece for token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompletionsClient } from '../../inference/completions-client';
import { cutAtStop } from '../../inference/stop-strings';
import { createModelBackend, initBackend, loadModel, sampleWithCount, type LoadedModel } from '../../model';
import { END_OF_TEXT } from '../../core/tokenizer';
import { ENDING, LOOPING, trainLoopingModel } from '../model/looping-model';
import { startServe, type ServeProcess } from './helpers';

void describe('a completion stop rule through star serve', { timeout: 300_000 }, () => {
  let model: LoadedModel;
  let serve: ServeProcess;

  before(async () => {
    await initBackend(() => {});
    const checkpointUri = await trainLoopingModel();
    model = await loadModel(checkpointUri);
    serve = await startServe(checkpointUri);
  });
  after(async () => {
    model?.dispose();
    await serve?.process.stop();
  });

  void it('closes a looping stream once the rule fires and keeps the text the embedded sampler keeps', async () => {
    const requests = [LOOPING, ENDING, LOOPING].map((prompt, i) => ({ prompt, seed: i }));
    const rule = { repeatedLines: 3 };
    const settings = { genLength: 40, temperature: 0, topP: 0.9 };
    const embedded = await sampleWithCount(model, requests, { ...settings, stopRule: rule }, createModelBackend('plain'));
    assert.equal(embedded.stoppedByRule, 2, 'the looping prompts loop');

    const client = new CompletionsClient({ url: serve.url, concurrency: 2, promptsPerRequest: 1 });
    const [name] = await client.models();
    const base = { model: name as string, maxTokens: settings.genLength, temperature: 0, topP: 0.9, stop: [END_OF_TEXT] };
    const streamed = await client.complete(requests, { ...base, stopRule: rule });
    assert.deepEqual(
      streamed,
      embedded.texts.map((text) => cutAtStop(text, [END_OF_TEXT]).text),
    );
    assert.equal(streamed[0], '7 7\n'.repeat(3));
    // star serve samples a completion whole before it streams it, so whether its log sees the close
    // depends on how much of the stream the socket had taken; the client's count does not.
    assert.deepEqual(client.stopped, { completions: 2, requestsClosed: 2 }, 'the two looping streams were closed before their end');

    const full = await client.complete(requests, base);
    assert.ok(full[0]?.startsWith('7 7\n'.repeat(8)), 'without the rule the loop runs on');
  });
});
