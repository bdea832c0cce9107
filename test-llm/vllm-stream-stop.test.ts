/**
 * The completion stop rule against vLLM (`npm run test:llm`, when `scripts/setup-vllm.sh` has been
 * run; skipped otherwise): on a tiny random model, which loops readily, a greedy completion streamed
 * with `repeatedTail` is closed once the rule fires, and the text kept is the start of the whole
 * completion, cut where the rule fires.
 *
 * Whether vLLM still generates the rest of a closed request is a race between the close and the
 * server's own speed (a tiny model can finish 256 tokens before the close arrives: a run at load 10
 * generated 1024 tokens both ways, another at load 3-6 saved some), so the tokens each run generated
 * are printed, not asserted.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { completionStopReason } from '../core/completion-stop';
import { CompletionsClient } from '../inference/completions-client';
import { serverSamplingFields } from '../inference/server-sampling-fields';
import { makeTinyLm, ROOT } from '../scripts/make-tiny-lm';
import { scratchDir } from '../test-support/experiment-input';
import { waitUntil } from '../test-support/processes';
import type { RunningServer } from './helpers/openai-server';
import { startVllm } from './helpers/vllm-server';

const vllmPython = join(process.env.STAR_VLLM_VENV ?? join(ROOT, '.tools', 'vllm-venv'), 'bin', 'python');
const skip = existsSync(vllmPython) ? false : 'the vLLM venv is not set up: run `bash scripts/setup-vllm.sh` once (about 6 GB)';
const GEN_LENGTH = 256;

void describe('a completion stop rule through vLLM, on a tiny model', { skip, timeout: 30 * 60_000 }, () => {
  let server: RunningServer;

  before(async () => {
    const tiny = join(scratchDir('vllm-stop'), 'tiny-lm');
    makeTinyLm(tiny, ['--arch', 'llama', '--positions', '1024']);
    server = await startVllm(vllmPython, tiny);
  });
  after(async () => {
    await server?.stop();
  });

  void it('closes a looping stream once the rule fires, and the text kept is the loop cut where the rule says', async (t) => {
    const client = new CompletionsClient({ url: server.baseUrl, concurrency: 4, promptsPerRequest: 1 });
    const prompts = ['2 + 2 =', 'Q: Where would you put a cup?\nA:', '1 2 3', 'Input:\n7 9\nTarget:\n'].map((prompt, seed) => ({
      prompt,
      seed,
    }));
    const settings = {
      model: server.model,
      maxTokens: GEN_LENGTH,
      temperature: 0,
      topP: 1,
      stop: ['<|endoftext|>'],
      extraFields: serverSamplingFields('vllm'),
    };
    const rule = { repeatedTail: 16 };
    const before = await generatedTokens(server.baseUrl);
    const whole = await client.complete(prompts, settings);
    await idle(server.baseUrl);
    const between = await generatedTokens(server.baseUrl);
    const cut = await client.complete(prompts, { ...settings, stopRule: rule });
    cut.forEach((text, i) => {
      const full = whole[i] as string;
      assert.ok(
        full.startsWith(text),
        `completion ${i} kept is the start of the whole one: ${JSON.stringify(text)} / ${JSON.stringify(full)}`,
      );
      if (text.length < full.length)
        assert.ok(completionStopReason(text, rule), `completion ${i} is cut where the rule fires: ${JSON.stringify(text)}`);
    });
    const shorter = cut.filter((text, i) => text.length < (whole[i] as string).length).length;
    assert.ok(shorter > 0, `the tiny model loops on at least one prompt, and the rule cuts it:\n${whole.join('\n---\n')}`);
    assert.ok(client.stopped.requestsClosed >= shorter, JSON.stringify(client.stopped));
    await idle(server.baseUrl);
    const cutTokens = (await generatedTokens(server.baseUrl)) - between;
    t.diagnostic(`tokens vLLM generated: ${between - before} for the whole completions, ${cutTokens} with the rule`);
  });
});

/** Once vLLM runs no request (its counts are final). */
function idle(baseUrl: string): Promise<void> {
  return waitUntil(async () => (await metric(baseUrl, 'vllm:num_requests_running')) === 0, 60_000, 'vLLM to have no request running');
}

/** The tokens vLLM has generated since it started. */
function generatedTokens(baseUrl: string): Promise<number> {
  return metric(baseUrl, 'vllm:generation_tokens_total');
}

/** A metric of vLLM's `/metrics`, summed over its labels. */
async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
