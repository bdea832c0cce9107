/**
 * The project's generation pass as a shard runs it (the generation-shard activity: chunks, the
 * pipelined client, hinted retries) against a running server, beside the same server driven with
 * ideal batching: every prompt the pass sent, in one request. bench/inference.ts prints the result.
 *
 * The shard builds its requests inside the activity, so they are recorded at `fetch`, the one place
 * outside it that sees them; recording copies the bodies and adds nothing to the requests. Tokens
 * are the servers' own counts (`usage.completion_tokens` of each response), the same for both runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { createActivities } from '../activities';
import { resolveExperimentInput } from '../cli/experiment-input';
import { parseExperimentInputOrThrow } from '../contracts/experiment-input';
import { apiBase } from '../inference/completions-client';
import type { InferenceServer } from '../contracts/inference-server';
import { loadTaskFile } from '../task-file/load';

export interface PassRun {
  seconds: number;
  completions: number;
  tokens: number;
}

export interface GenerationPassBench {
  /** What ran, for the report's first line. */
  description: string;
  /** The first shard run: warms the server (and its prefix cache) with the prompts the runs share. */
  warmUp: PassRun;
  ideal: PassRun;
  shard: PassRun;
}

const sentSchema = z.looseObject({ prompt: z.string(), seed: z.number().optional() });
const usageSchema = z.looseObject({
  choices: z.array(z.unknown()),
  usage: z.looseObject({ completion_tokens: z.number() }).nullish(),
});

/**
 * `preset` with `sets` (as `star run --preset P --set …`), sampled at `server.url` (a server of
 * kind `server.kind`, whose request fields it is sent) instead of the preset's own server, `prompts` training examples (the preset's nTrainSamples by default), one shard.
 */
export async function benchGenerationPass(
  preset: string,
  sets: string[],
  server: { url: string; kind: InferenceServer },
  prompts?: number,
): Promise<GenerationPassBench> {
  const { url } = server;
  const { input } = resolveExperimentInput({ preset, sets });
  const written: Record<string, unknown> = {
    ...input,
    inference: 'openai',
    inferenceUrl: url,
    inferenceServer: server.kind,
    storageRoot: mkdtempSync(join(tmpdir(), 'bench-pass-')),
  };
  delete written.serveCommandTemplate;
  delete written.inferenceModelTemplate;
  if (prompts !== undefined) written.nTrainSamples = prompts;
  const options = parseExperimentInputOrThrow(written);
  // As `star run` does: a task file's data is generated once, where it is missing.
  if (options.taskFile) await loadTaskFile(options.taskFile, { generate: true });
  const acts = createActivities();

  const recorded: Record<string, unknown>[] = [];
  let tokens = 0;
  let completions = 0;
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (target, init) => {
    const response = await originalFetch(target, init);
    if (String(target).endsWith('/completions') && typeof init?.body === 'string') {
      recorded.push(JSON.parse(init.body) as Record<string, unknown>);
      const body = usageSchema.safeParse(
        await response
          .clone()
          .json()
          .catch(() => undefined),
      );
      if (body.success) {
        completions += body.data.choices.length;
        tokens += body.data.usage?.completion_tokens ?? 0;
      }
    }
    return response;
  };
  const shardRun = async (name: string): Promise<PassRun> => {
    recorded.length = 0;
    tokens = 0;
    completions = 0;
    const outputUri = pathToFileURL(join(String(written.storageRoot), name, 'generate.json')).href;
    const started = performance.now();
    await acts.generateShard({
      options,
      datasetDir: options.datasetDir ?? '',
      iteration: 1,
      shard: 0,
      shards: 1,
      checkpointUri: options.baseModelLocation,
      outputUri,
    });
    return { seconds: (performance.now() - started) / 1000, completions, tokens };
  };
  try {
    const warmUp = await shardRun('warm-up');
    const sent = recorded.map((body) => sentSchema.parse(body));
    const first = recorded[0];
    if (!first) throw new Error(`the generation pass sent no requests to ${url}: does the preset's task have training examples?`);
    const ideal = await (async (): Promise<PassRun> => {
      const started = performance.now();
      const response = await originalFetch(`${apiBase(url)}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...first, prompt: sent.map((s) => s.prompt), seed: 0 }),
      });
      if (!response.ok) throw new Error(`the ideal-batching request answered HTTP ${response.status}: ${await response.text()}`);
      const body = usageSchema.parse(await response.json());
      return {
        seconds: (performance.now() - started) / 1000,
        completions: body.choices.length,
        tokens: body.usage?.completion_tokens ?? 0,
      };
    })();
    const shard = await shardRun('measured');
    const description = `the generation pass of preset ${preset} (${sent.length} requests, ${options.inferenceConcurrency} in flight, chunks of 64, max_tokens ${options.genLength}) at ${url}`;
    return { description, warmUp, ideal, shard };
  } finally {
    globalThis.fetch = originalFetch;
  }
}
