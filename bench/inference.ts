/**
 * `npx tsx bench/inference.ts [--prompts 256] [--gen-length 64] [--concurrency 32] [--checkpoint pretrained/arithmetic-base]`
 * `npx tsx bench/inference.ts --url http://127.0.0.1:8000/v1 --model NAME [--server vllm] [...]`:
 * completions/s and tokens/s of the openai inference path (inference/completions-client.ts, one
 * prompt per request with its own seed, `--concurrency` requests in flight, as a shard sends them)
 * against the same server driven directly with ideal batching (every prompt in one request), in one
 * run, with their ratio. The server is `star serve` on `--checkpoint`, started here, or one already
 * running at `--url` (vLLM: it takes prompt lists). Prompts are arithmetic problems as the
 * generation pass builds them. Tokens are counted the same way for both: with the checkpoint's
 * tokenizer, or for a server at `--url` by its `/tokenize` endpoint (vLLM's).
 *
 * `--preset P [--set key=value …] [--prompts N]`: the project's generation pass instead, as a shard
 * runs it (bench/generation-pass.ts): the preset's task, prompts, concurrency and chunks through the
 * generation-shard activity, against every prompt it sent in one request, both on the same server.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { arithmeticContext, arithmeticProblems } from '../core/arithmetic-problems';
import { buildPrompt } from '../core/prompt';
import { apiBase, CompletionsClient } from '../inference/completions-client';
import { completionResponseSchema } from '../inference/completions-api';
import { INFERENCE_SERVERS, type InferenceServer } from '../contracts/inference-server';
import { serverSamplingFields } from '../inference/server-sampling-fields';
import { taskStopStrings } from '../inference/stop-strings';
import { tokenizerByName, readManifest } from '../model';
import { repoRoot, startWorkerProcess } from '../test-support/processes';
import { benchGenerationPass, type PassRun } from './generation-pass';

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
      url: { type: 'string' },
      model: { type: 'string' },
      server: { type: 'string' },
      preset: { type: 'string' },
      set: { type: 'string', multiple: true },
    },
  });
  const n = Number(values.prompts ?? 256);
  const genLength = Number(values['gen-length'] ?? 64);
  const concurrency = Number(values.concurrency ?? 32);
  const kind = (values.server ?? (values.url ? 'vllm' : 'star')) as InferenceServer;
  if (!INFERENCE_SERVERS.includes(kind)) throw new Error(`--server must be one of ${INFERENCE_SERVERS.join(', ')}, got ${kind}`);
  if (values.url && !values.model) throw new Error('--url needs --model: the model name the server serves');
  const problems = arithmeticProblems({ digits: [1, 2, 3, 4, 5], countPerDigit: Math.ceil(n / 5), seed: 0, split: 'dev' }).slice(0, n);
  const requests = problems.map((p, i) => ({ prompt: buildPrompt([], arithmeticContext(p.question), { noPrompt: false }), seed: i }));
  const settings = {
    model: values.model ?? 'star',
    maxTokens: genLength,
    temperature: 0.01,
    topP: 0.9,
    stop: taskStopStrings('arithmetic'),
    extraFields: serverSamplingFields(kind),
  };

  let server: ReturnType<typeof startWorkerProcess> | undefined;
  let url = values.url;
  let count: (texts: string[]) => Promise<number>;
  let serving: string;
  if (url) {
    const tokenizeUrl = `${apiBase(url).replace(/\/v1$/, '')}/tokenize`;
    count = async (texts) => {
      let sum = 0;
      for (const text of texts) {
        const response = await fetch(tokenizeUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: settings.model, prompt: text, add_special_tokens: false }),
        });
        if (!response.ok) throw new Error(`${tokenizeUrl} answered HTTP ${response.status}: tokens are counted by vLLM's /tokenize`);
        sum += ((await response.json()) as { count: number }).count;
      }
      return sum;
    };
    serving = `${kind} at ${url}, model ${settings.model}`;
  } else {
    const checkpoint = values.checkpoint ?? `${repoRoot}/pretrained/arithmetic-base`;
    const tokenizer = tokenizerByName((await readManifest(checkpoint)).tokenizer);
    count = async (texts) => texts.reduce((sum, text) => sum + tokenizer.encode(text).length, 0);
    server = startWorkerProcess('star serve', 'cli/main.ts', ['serve', '--checkpoint', checkpoint, '--port', '0'], process.env);
    url = (await server.waitFor(/listening on (\S+)/, 120_000))[1] as string;
    serving = `star serve on ${checkpoint}`;
  }
  try {
    if (values.preset) {
      await reportGenerationPass(values.preset, values.set ?? [], { url, kind }, values.prompts === undefined ? undefined : n);
      return;
    }
    const client = new CompletionsClient({ url, concurrency, promptsPerRequest: 1 });
    // Warm-up: worker threads and kernels start on the first request.
    await client.complete(requests.slice(0, 8), settings);

    const direct = async (): Promise<Run> => {
      const started = performance.now();
      const response = await fetch(`${apiBase(url)}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: settings.model,
          prompt: requests.map((r) => r.prompt),
          max_tokens: genLength,
          temperature: settings.temperature,
          top_p: settings.topP,
          stop: settings.stop,
          seed: 0,
          ...settings.extraFields,
        }),
      });
      if (!response.ok) throw new Error(`the direct request answered HTTP ${response.status}: ${await response.text()}`);
      const body = completionResponseSchema.parse(await response.json());
      const seconds = (performance.now() - started) / 1000;
      return { seconds, completions: body.choices.length, tokens: await count(body.choices.map((c) => c.text)) };
    };
    const viaClient = async (): Promise<Run> => {
      const started = performance.now();
      const texts = await client.complete(requests, settings);
      return { seconds: (performance.now() - started) / 1000, completions: texts.length, tokens: await count(texts) };
    };
    const load = () => `load average ${loadavg()[0].toFixed(2)}`;
    const loadBefore = load();
    const ideal = await direct();
    const ours = await viaClient();
    const line = (name: string, r: Run) =>
      `${name.padEnd(44)} ${(r.completions / r.seconds).toFixed(1).padStart(8)} completions/s ${(r.tokens / r.seconds).toFixed(0).padStart(8)} tokens/s  (${r.completions} in ${r.seconds.toFixed(2)} s)`;
    console.log(`${n} arithmetic prompts, max_tokens ${genLength}, ${serving}`);
    console.log(line('direct: one request, all prompts', ideal));
    console.log(line(`openai client: 1 prompt/request, ${concurrency} in flight`, ours));
    console.log(
      `ratio (client / direct, tokens/s): ${(ours.tokens / ours.seconds / (ideal.tokens / ideal.seconds)).toFixed(2)}  (${loadBefore} before, ${load()} after)`,
    );
  } finally {
    await server?.stop();
  }
}

async function reportGenerationPass(
  preset: string,
  sets: string[],
  server: { url: string; kind: InferenceServer },
  prompts: number | undefined,
): Promise<void> {
  const load = () => `load average ${loadavg()[0].toFixed(2)}`;
  const loadBefore = load();
  const bench = await benchGenerationPass(preset, sets, server, prompts);
  const line = (name: string, r: PassRun) =>
    `${name.padEnd(44)} ${(r.completions / r.seconds).toFixed(1).padStart(8)} completions/s ${(r.tokens / r.seconds).toFixed(0).padStart(8)} tokens/s  (${r.completions} in ${r.seconds.toFixed(2)} s)`;
  console.log(bench.description);
  console.log(line('warm-up: the generation shard, first run', bench.warmUp));
  console.log(line('direct: one request, every prompt it sent', bench.ideal));
  console.log(line('the generation shard, measured', bench.shard));
  const ratio = bench.shard.tokens / bench.shard.seconds / (bench.ideal.tokens / bench.ideal.seconds);
  console.log(`ratio (shard / direct, tokens/s): ${ratio.toFixed(2)}  (${loadBefore} before, ${load()} after)`);
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
