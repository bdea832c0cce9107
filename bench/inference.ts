/**
 * `npx tsx bench/inference.ts [--prompts 256] [--gen-length 64] [--concurrency 32] [--checkpoint pretrained/arithmetic-base]`:
 * completions/s and tokens/s of the openai inference path (inference/completions-client.ts, one
 * prompt per request with its own seed, `--concurrency` requests in flight, as a shard sends them)
 * against the same `star serve` driven directly with ideal batching (every prompt in one request),
 * in one run, with their ratio. Prompts are arithmetic problems as the generation pass builds them;
 * tokens are counted with the model's tokenizer on the returned texts, the same way for both.
 */
import { parseArgs } from 'node:util';
import { arithmeticContext, arithmeticProblems } from '../core/arithmetic-problems';
import { buildPrompt } from '../core/prompt';
import { CompletionsClient } from '../inference/completions-client';
import { completionResponseSchema } from '../inference/completions-api';
import { taskStopStrings } from '../inference/stop-strings';
import { tokenizerByName, readManifest } from '../model';
import { repoRoot, startWorkerProcess } from '../test-support/processes';

interface Run {
  seconds: number;
  completions: number;
  tokens: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prompts: { type: 'string' },
      'gen-length': { type: 'string' },
      concurrency: { type: 'string' },
      checkpoint: { type: 'string' },
    },
  });
  const n = Number(values.prompts ?? 256);
  const genLength = Number(values['gen-length'] ?? 64);
  const concurrency = Number(values.concurrency ?? 32);
  const checkpoint = values.checkpoint ?? `${repoRoot}/pretrained/arithmetic-base`;
  const tokenizer = tokenizerByName((await readManifest(checkpoint)).tokenizer);
  const problems = arithmeticProblems({ digits: [1, 2, 3, 4, 5], countPerDigit: Math.ceil(n / 5), seed: 0, split: 'dev' }).slice(0, n);
  const requests = problems.map((p, i) => ({ prompt: buildPrompt([], arithmeticContext(p.question), { noPrompt: false }), seed: i }));
  const settings = { model: 'star', maxTokens: genLength, temperature: 0.01, topP: 0.9, stop: taskStopStrings('arithmetic') };
  const count = (texts: string[]) => texts.reduce((sum, text) => sum + tokenizer.encode(text).length, 0);

  const server = startWorkerProcess('star serve', 'cli/main.ts', ['serve', '--checkpoint', checkpoint, '--port', '0'], process.env);
  try {
    const url = (await server.waitFor(/listening on (\S+)/, 120_000))[1] as string;
    const client = new CompletionsClient({ url, concurrency, promptsPerRequest: 1 });
    // Warm-up: worker threads and kernels start on the first request.
    await client.complete(requests.slice(0, 8), settings);

    const direct = async (): Promise<Run> => {
      const started = performance.now();
      const response = await fetch(`${url}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'star',
          prompt: requests.map((r) => r.prompt),
          max_tokens: genLength,
          temperature: 0.01,
          top_p: 0.9,
          stop: settings.stop,
          seed: 0,
        }),
      });
      const body = completionResponseSchema.parse(await response.json());
      const seconds = (performance.now() - started) / 1000;
      return { seconds, completions: body.choices.length, tokens: count(body.choices.map((c) => c.text)) };
    };
    const viaClient = async (): Promise<Run> => {
      const started = performance.now();
      const texts = await client.complete(requests, settings);
      return { seconds: (performance.now() - started) / 1000, completions: texts.length, tokens: count(texts) };
    };
    const ideal = await direct();
    const ours = await viaClient();
    const line = (name: string, r: Run) =>
      `${name.padEnd(44)} ${(r.completions / r.seconds).toFixed(1).padStart(8)} completions/s ${(r.tokens / r.seconds).toFixed(0).padStart(8)} tokens/s  (${r.completions} in ${r.seconds.toFixed(2)} s)`;
    console.log(`${n} arithmetic prompts, max_tokens ${genLength}, star serve on ${checkpoint}`);
    console.log(line('direct: one request, all prompts', ideal));
    console.log(line(`openai client: 1 prompt/request, ${concurrency} in flight`, ours));
    console.log(`ratio (client / direct, tokens/s): ${(ours.tokens / ours.seconds / (ideal.tokens / ideal.seconds)).toFixed(2)}`);
  } finally {
    await server.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
