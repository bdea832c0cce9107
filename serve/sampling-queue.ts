/**
 * Batches the prompts of concurrent requests for the embedded sampler, which is fast on a batch and
 * slow one prompt at a time (16k vs 0.5k tokens/s on the demo model). While a batch runs, new
 * prompts wait; the next batch takes every waiting prompt with the same sampling settings. A prompt's
 * text depends only on (model, prompt, seed, settings), never on what it was batched with, so
 * batching cannot change an answer.
 */
import { sample, type LoadedModel, type SampleRequest } from '../model';

export interface SamplingSettings {
  genLength: number;
  temperature: number;
  topP: number;
}

interface Job {
  request: SampleRequest;
  resolve: (text: string) => void;
  reject: (err: unknown) => void;
}

export class SamplingQueue {
  private readonly waiting = new Map<string, { settings: SamplingSettings; jobs: Job[] }>();
  private running = false;

  constructor(
    private readonly model: LoadedModel,
    /** Prompts decoded in one call of the sampler (which splits them into its own row batches). */
    private readonly maxBatch = 256,
    private readonly rowBatch = 64,
  ) {}

  /** The raw continuations (ending with `<|endoftext|>` where the model stopped), in order. */
  submit(settings: SamplingSettings, requests: SampleRequest[]): Promise<string[]> {
    const key = `${settings.genLength}/${settings.temperature}/${settings.topP}`;
    const group = this.waiting.get(key) ?? { settings, jobs: [] };
    this.waiting.set(key, group);
    const texts = requests.map((request) => new Promise<string>((resolve, reject) => group.jobs.push({ request, resolve, reject })));
    void this.drain();
    return Promise.all(texts);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const [key, group] = this.waiting.entries().next().value ?? [];
        if (key === undefined || !group) return;
        const jobs = group.jobs.splice(0, this.maxBatch);
        if (group.jobs.length === 0) this.waiting.delete(key);
        try {
          const texts = await sample(
            this.model,
            jobs.map((job) => job.request),
            { ...group.settings, batchSize: this.rowBatch },
          );
          jobs.forEach((job, i) => job.resolve(texts[i]));
        } catch (err) {
          jobs.forEach((job) => job.reject(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
