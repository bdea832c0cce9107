/**
 * Worker-thread side of compute-pool.ts: holds one model's weights on its own tfjs WebAssembly
 * instance (tfjs runs WebAssembly single-threaded under Node, so two workers use both cores) and
 * computes gradient sums or samples for the rows it is given.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend, modelBackend } from '../../backend';
import { parseModelConfig } from '../../config';
import { EmbeddedModel } from '../../embedded-model';
import { gradientSum } from '../../gradients';
import type { NamedWeight } from '../../params';
import { sampleInProcess, type SampleOptions, type SampleRequest } from '../../sample';
import { tokenizerByName } from '../../tokenizers';

export type WorkerRequest =
  | { id: number; kind: 'load'; key: string; config: unknown; weights: readonly NamedWeight[] }
  | { id: number; kind: 'grads'; key: string; rows: Int32Array[] }
  | { id: number; kind: 'sample'; key: string; requests: SampleRequest[]; options: Omit<SampleOptions, 'onProgress'> };

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

let model: EmbeddedModel | undefined;
let modelKey = '';

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
    modelKey = msg.key;
    return { result: msg.key };
  }
  // The pool loads before every compute of a new model version; a mismatch is a bug in the pool,
  // and computing anyway would return numbers from the wrong weights without any error.
  if (!model || modelKey !== msg.key)
    throw new Error(`compute worker holds model ${modelKey || '(none)'} but was asked to compute with ${msg.key}`);
  if (msg.kind === 'grads') {
    const r = gradientSum(
      modelBackend().layers,
      model.config,
      model.tokenizer,
      model.weights.map((w) => w.name),
      model.tensors(),
      msg.rows,
    );
    const grads = r.grads.map((g) => g.slice());
    return { result: { ...r, grads }, transfer: grads.map((g) => g.buffer as ArrayBuffer) };
  }
  return { result: await sampleInProcess(model, msg.requests, msg.options, modelBackend()) };
}

// One message at a time: sampling awaits inside, and a load handled meanwhile would swap the model
// under it.
let tail: Promise<void> = Promise.resolve();
parentPort?.on('message', (msg: WorkerRequest) => {
  tail = tail
    .then(() => handle(msg))
    .then(
      ({ result, transfer }) => parentPort!.postMessage({ id: msg.id, ok: true, result } satisfies WorkerReply, transfer ?? []),
      (err: Error) => parentPort!.postMessage({ id: msg.id, ok: false, error: err.stack ?? err.message } satisfies WorkerReply),
    );
});
