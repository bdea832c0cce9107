/**
 * Worker-thread side of `ComputePool`: holds one model's weights on its own tfjs WebAssembly
 * instance (tfjs runs WebAssembly single-threaded under Node, so two workers use both cores) and
 * computes gradient sums or samples for the rows it is given.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from './backend';
import { parseModelConfig } from './config';
import { EmbeddedModel } from './embedded-model';
import { gradientSum } from './gradients';
import type { NamedWeight } from './params';
import { sampleInProcess, type SampleOptions, type SampleRequest } from './sample';
import { tokenizerByName } from './tokenizers';

export type WorkerRequest =
  | { id: number; kind: 'load'; key: string; config: unknown; weights: readonly NamedWeight[] }
  | { id: number; kind: 'grads'; rows: Int32Array[] }
  | { id: number; kind: 'sample'; requests: SampleRequest[]; options: Omit<SampleOptions, 'onProgress'> };

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

let model: EmbeddedModel | undefined;

async function handle(msg: WorkerRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  await initBackend(() => {});
  if (msg.kind === 'load') {
    const config = parseModelConfig(msg.config);
    if (model && model.config.tokenizer === config.tokenizer && JSON.stringify(model.config) === JSON.stringify(config)) {
      model.setWeights([...msg.weights]);
    } else {
      model?.dispose();
      model = new EmbeddedModel(config, tokenizerByName(config.tokenizer), [...msg.weights]);
    }
    return { result: msg.key };
  }
  if (!model) throw new Error('compute worker has no model loaded');
  if (msg.kind === 'grads') {
    const r = gradientSum(model.config, model.tokenizer, model.weights.map((w) => w.name), model.tensors(), msg.rows);
    const grads = r.grads.map((g) => g.slice());
    return { result: { ...r, grads }, transfer: grads.map((g) => g.buffer as ArrayBuffer) };
  }
  return { result: await sampleInProcess(model, msg.requests, msg.options) };
}

parentPort?.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: msg.id, ok: true, result } satisfies WorkerReply, transfer ?? []),
    (err: Error) => parentPort!.postMessage({ id: msg.id, ok: false, error: err.stack ?? err.message } satisfies WorkerReply),
  );
});
