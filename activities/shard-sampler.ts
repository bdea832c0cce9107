/**
 * Where a generation or eval shard samples: the embedded model, loaded once per worker, an
 * OpenAI-compatible server (`inference: "openai"`) or the simulation (`inference: "simulated"`, for
 * capacity planning). All give core a `Sampler`; answer checking, chunked saving and resume are the
 * same for all.
 */
import type { SampleRequest, Sampler } from '../core/rationale-selection';
import { apiKeyFromEnv } from '../inference/api-key';
import { CompletionsClient } from '../inference/completions-client';
import { serverSamplingFields } from '../inference/server-sampling-fields';
import { servedCheckpoint } from '../host/served-checkpoint';
import { servedBaseModel } from '../host/lora-adapters';
import { loraServing } from './lora-serving';
import { InferenceSettingsError } from '../inference/errors';
import { resolveModelName } from '../inference/model-name';
import { taskStopStrings } from '../inference/stop-strings';
import type { ActivityDeps } from './deps';
import { loadTrainedCheckpoint } from './lost-checkpoint';
import { checkCheckpoint } from './prepare-experiment';
import { cancellationSignal, heartbeatAgain } from '../activity-context/progress';
import { completionStopOn, embeddedSampler } from './sampler';
import { requireSimulatedCheckpoint } from './simulated-checkpoint';
import { simulatedSampler, type SampledPass } from './simulated-sampler';
import type { ShardInput } from '../contracts/activities';
import { gpt2Tokenizer } from '../core/gpt2-tokenizer';
import { keepLastTokens } from '../core/prompt';
import type { Task, TaskName } from '../core/example';
import { END_OF_TEXT } from '../core/tokenizer';

/**
 * A server takes text, not ids: a prompt limit is applied here, counted in the reference's GPT-2
 * tokens (the server's own tokenizer is not known here), by sending the text of the last tokens.
 */
export function cutPrompt(request: SampleRequest): SampleRequest {
  if (request.maxPromptTokens === undefined) return request;
  return { prompt: keepLastTokens(request.prompt, gpt2Tokenizer, request.maxPromptTokens), seed: request.seed };
}

/** A task file's stop strings (and end-of-text, as for every task), else the built-in's. */
function stopStringsOf(task: Task): string[] {
  return task.stopStrings ? [...task.stopStrings, END_OF_TEXT] : taskStopStrings(task.name as TaskName);
}

export interface ShardSampling {
  /**
   * What changes the texts beyond the experiment's own settings, for the shard's input key: for the
   * embedded model, completionStop when on (else nothing: keys of earlier runs stay valid); the model name and prompts per
   * request (one seed per request) for openai. Not the URL: a server restarted on another port
   * serves the same checkpoint, and its saved chunks stay valid.
   */
  key: Record<string, unknown>;
  /** `pass`: what the shard prompts with (the simulated sampler answers from its examples). */
  run<T>(work: (sample: Sampler) => Promise<T>, pass: SampledPass): Promise<T>;
}

/**
 * `modelIteration`: the iteration whose model samples (i-1 for generation, i for eval; 0 = base).
 * `temperature`: the pass's (the eval passes evalTemperature).
 */
export function shardSampling(
  deps: ActivityDeps,
  input: ShardInput,
  modelIteration: number,
  temperature = input.options.temperature,
): ShardSampling {
  const o = input.options;
  if (o.inference === 'simulated') {
    return {
      key: { inference: 'simulated', simulatedCorrectRate: o.simulatedCorrectRate },
      run: async (work, pass) => {
        await requireSimulatedCheckpoint(input.checkpointUri, o.baseModelLocation);
        const settings = {
          seed: o.seed,
          modelIteration,
          correctRate: o.simulatedCorrectRate,
          sampleMs: o.simulatedSampleMs,
          signal: cancellationSignal(),
        };
        return work(simulatedSampler(pass, settings));
      },
    };
  }
  if (o.inference === 'embedded') {
    return {
      // completionStop only when on, so the keys of runs made before it existed stay the same.
      key: completionStopOn(o) ? { completionStop: o.completionStop } : {},
      run: async (work, pass) => {
        const { model, release } = await loadTrainedCheckpoint(o.experiment, modelIteration, input.checkpointUri, async () => {
          await checkCheckpoint(input.checkpointUri, 'the sampling checkpoint');
          return deps.models.acquire(input.checkpointUri);
        });
        try {
          return await work(embeddedSampler(model, o, deps.sampleBatchSize, temperature, pass.task));
        } finally {
          release();
        }
      },
    };
  }
  return {
    // inferenceApi only when chat, and the request's extra fields only when there are some, so the
    // keys of runs made before these options existed stay the same.
    key: {
      inference: 'openai',
      inferenceModelTemplate: o.inferenceModelTemplate ?? null,
      inferenceBatchPrompts: o.inferenceBatchPrompts,
      inferenceApi: o.inferenceApi === 'chat' ? 'chat' : undefined,
      requestFields: nonEmpty(serverSamplingFields(o.inferenceServer, o.inferenceExtraBody)),
      // Only when on: the adapter is applied unmerged, which samples (slightly) differently.
      serveLoraAdapters: o.serveLoraAdapters ? true : undefined,
    },
    run: async (work, pass) => {
      if (!o.serveCommandTemplate) {
        if (!o.inferenceUrl)
          throw new Error(
            'inference "openai" without inferenceUrl or serveCommandTemplate: the input check should have refused this input',
          );
        return sampleThrough(o.inferenceUrl, work, pass.task);
      }
      if (!deps.servers) {
        throw new InferenceSettingsError(
          'with serveCommandTemplate, generation and eval shards run on the host workers (workers/host.ts), which start the servers; this worker has none',
        );
      }
      const passDir = input.outputUri.replace(/\/[^/]*$/, '');
      const request = { template: o.serveCommandTemplate, startTimeoutMs: o.serveStartTimeoutSeconds * 1000 };
      if (o.serveLoraAdapters) {
        const lora = loraServing(o, modelIteration, input.checkpointUri, passDir);
        const served = await deps.servers.acquire({
          ...request,
          checkpointUri: lora.serverCheckpointUri,
          adapter: lora.adapter,
          logDir: lora.logDir,
          lingerMs: lora.lingerMs,
        });
        try {
          return await sampleThrough(served.url, work, pass.task, lora.adapter?.name ?? (await servedBaseModel(served.url)));
        } finally {
          served.release();
        }
      }
      const served = await deps.servers.acquire({ ...request, checkpointUri: input.checkpointUri, logDir: passDir });
      try {
        return await sampleThrough(served.url, work, pass.task);
      } finally {
        served.release();
      }
    },
  };

  /** `modelName`: the model requests name, when the caller knows it (else inferenceModelTemplate or the server's only model). */
  async function sampleThrough<T>(url: string, work: (sample: Sampler) => Promise<T>, task: Task, modelName?: string): Promise<T> {
    const client = new CompletionsClient({
      url,
      apiKey: apiKeyFromEnv(o.inferenceApiKeyEnv),
      concurrency: o.inferenceConcurrency,
      promptsPerRequest: o.inferenceBatchPrompts,
      api: o.inferenceApi ?? 'completions',
      retry: { budgetMs: o.inferenceRetrySeconds * 1000 },
      hooks: { onWait: heartbeatAgain, signal: cancellationSignal() },
    });
    const vars = { experiment: o.experiment, iteration: modelIteration, checkpoint: servedCheckpoint(input.checkpointUri) };
    const model = modelName ?? (await resolveModelName(o.inferenceModelTemplate, vars, () => client.models()));
    const settings = {
      model,
      maxTokens: o.genLength,
      temperature,
      topP: o.topP,
      stop: stopStringsOf(task),
      extraFields: serverSamplingFields(o.inferenceServer, o.inferenceExtraBody),
    };
    return work((requests, onProgress) => client.complete(requests.map(cutPrompt), settings, onProgress));
  }
}

function nonEmpty(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(fields).length > 0 ? fields : undefined;
}
