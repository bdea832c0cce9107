/**
 * The LoRA adapters loaded into one running server (`serveLoraAdapters`): a shard sampling with an
 * iteration's model asks for its adapter; the first loads it (`POST /v1/load_lora_adapter`, vLLM's
 * run-time API), later shards reuse it, and loading a newer one unloads the adapters no shard uses
 * (older iterations'). The bookkeeping lives with the server process: a restarted server starts with
 * none loaded, so whatever a shard needs is loaded again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';

export interface LoraAdapter {
  /** The name requests give as `model`: `{experiment}_{iteration}`. */
  name: string;
  /** The adapter folder as the server reads it (a local path). */
  path: string;
}

const REQUEST_TIMEOUT_MS = 600_000;

export class LoraAdapters {
  private readonly loaded = new Map<string, string>();
  private readonly users = new Map<string, number>();

  /** `url`: the server's `http://127.0.0.1:PORT/v1`; `note`: a line for the server's log. */
  constructor(
    private readonly url: string,
    private readonly note: (line: string) => void,
  ) {}

  /** The adapters this server holds, by name (for tests and messages). */
  names(): string[] {
    return [...this.loaded.keys()];
  }

  /** Loads the adapter unless it is loaded from the same folder; returns the release of this use. */
  async use(adapter: LoraAdapter): Promise<() => void> {
    await this.unloadIdle(adapter.name);
    if (this.loaded.get(adapter.name) !== adapter.path) await this.load(adapter);
    this.users.set(adapter.name, (this.users.get(adapter.name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users.set(adapter.name, (this.users.get(adapter.name) ?? 1) - 1);
    };
  }

  private async unloadIdle(keep: string): Promise<void> {
    for (const name of [...this.loaded.keys()]) {
      if (name === keep || (this.users.get(name) ?? 0) > 0) continue;
      await this.unload(name);
    }
  }

  private async load(adapter: LoraAdapter): Promise<void> {
    let answer = await this.post('load_lora_adapter', { lora_name: adapter.name, lora_path: adapter.path });
    // vLLM answers 400 for a name it already holds (a server this bookkeeping did not load into, or
    // the name from another folder): unloading first makes the load idempotent and the folder ours.
    if (answer.status === 400 && /already been loaded|already exists/i.test(answer.text)) {
      this.note(`adapter ${adapter.name} was already loaded; unloading it to load ${adapter.path}`);
      await this.unload(adapter.name);
      answer = await this.post('load_lora_adapter', { lora_name: adapter.name, lora_path: adapter.path });
    }
    if (!answer.ok) throw this.failure('load', adapter, answer);
    this.loaded.set(adapter.name, adapter.path);
    this.note(`loaded LoRA adapter ${adapter.name} from ${adapter.path}`);
  }

  private async unload(name: string): Promise<void> {
    const answer = await this.post('unload_lora_adapter', { lora_name: name });
    this.loaded.delete(name);
    this.users.delete(name);
    // 404: the server does not hold it (any more); what matters is that it is gone.
    if (answer.ok || answer.status === 404) this.note(`unloaded LoRA adapter ${name}`);
    else this.note(`could not unload LoRA adapter ${name} (HTTP ${answer.status}: ${answer.text.slice(0, 300)}); it stays loaded`);
  }

  private async post(route: string, body: Record<string, string>): Promise<{ ok: boolean; status: number; text: string }> {
    const response = await fetch(`${this.url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { ok: response.ok, status: response.status, text: await response.text() };
  }

  private failure(verb: string, adapter: LoraAdapter, answer: { status: number; text: string }): Error {
    const quoted = answer.text.slice(0, 500);
    if (answer.status === 404 && !/lora|adapter/i.test(quoted)) {
      return ApplicationFailure.create({
        type: 'ServeAdapterUnsupported',
        nonRetryable: true,
        message:
          `the server at ${this.url} has no ${verb}_lora_adapter route (HTTP 404): serveLoraAdapters needs vLLM started with ` +
          '--enable-lora (and --max-lora-rank at least the adapter\'s r) and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment, e.g. "env VLLM_ALLOW_RUNTIME_LORA_UPDATING=True ... --enable-lora --max-lora-rank 8" in serveCommandTemplate',
      });
    }
    // 5xx (the engine failed, e.g. out of memory) may pass on a new attempt; 4xx is the adapter's own problem.
    const message = `the server at ${this.url} refused to ${verb} LoRA adapter ${adapter.name} from ${adapter.path}: HTTP ${answer.status}: ${quoted}`;
    return answer.status >= 500
      ? new Error(message)
      : ApplicationFailure.create({ type: 'ServeAdapterRefused', nonRetryable: true, message });
  }
}

const modelCards = z.object({ data: z.array(z.object({ id: z.string(), parent: z.string().nullish() })) });

/**
 * The base model's name on a server that may also list adapters: the one model without a `parent`
 * (vLLM gives each adapter its base as parent), so iteration 0 samples the base, never an adapter.
 */
export async function servedBaseModel(url: string): Promise<string> {
  const response = await fetch(`${url}/models`, { signal: AbortSignal.timeout(30_000) });
  const parsed = modelCards.safeParse(await response.json().catch(() => undefined));
  if (!response.ok || !parsed.success)
    throw new Error(`GET ${url}/models did not answer with a model list ({data: [{id, parent}]}) (HTTP ${response.status})`);
  const bases = parsed.data.data.filter((card) => !card.parent);
  if (bases.length !== 1 || !bases[0]) {
    throw ApplicationFailure.create({
      type: 'ServeAdapterUnsupported',
      nonRetryable: true,
      message: `the server at ${url} lists ${bases.length} models without a parent (${bases.map((b) => b.id).join(', ')}); serveLoraAdapters needs one base model, its adapters listed with it as parent (vLLM)`,
    });
  }
  return bases[0].id;
}
