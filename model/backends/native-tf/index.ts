import type { EmbeddedModel } from '../../embedded-model';
import { hostCacheDecoder } from '../../host-decoder';
import type { Decoder, ModelBackend, ModelBackendOptions } from '../../model-backend';
import { nativeLayers } from './layers';
import {
  decodeTensors,
  decodeWeights,
  disposeCache,
  ELEMENTWISE_ATTENTION_MAX,
  prefillTensors,
  selectTensorRows,
  type TensorCache,
} from './tensor-cache';

/**
 * The model on native TensorFlow (tfjs-node): TensorFlow runs every op on all cores with its own
 * thread pool, so there are no worker threads; training uses the native layers, sampling keeps the
 * key/value cache as TensorFlow tensors (tensor-cache.ts) unless `decodeCache: 'host'` asks for the
 * host cache (comparisons).
 */
export function createNativeTfBackend(options: ModelBackendOptions = {}): ModelBackend {
  const elementwiseMax = options.elementwiseAttentionMax ?? ELEMENTWISE_ATTENTION_MAX;
  return {
    name: 'native-tf',
    layers: nativeLayers,
    decoder:
      options.decodeCache === 'host'
        ? (model) => hostCacheDecoder(nativeLayers, model)
        : (model) => tensorCacheDecoder(model, elementwiseMax),
    workerCount: () => 0,
    pool: () => undefined,
  };
}

/** The key/value cache as TensorFlow tensors, attention in TensorFlow (tensor-cache.ts). */
function tensorCacheDecoder(model: EmbeddedModel, elementwiseMax: number): Decoder {
  const c = model.config;
  const weights = decodeWeights(model);
  let cache: TensorCache | undefined;
  return {
    prefill(ids, batch, len, pad, capacity) {
      const r = prefillTensors(c, weights, ids, batch, len, pad, capacity);
      cache = r.cache;
      return r.logits;
    },
    step: (ids, positions) => decodeTensors(c, weights, cache!, ids, positions, elementwiseMax),
    select(rows) {
      cache = selectTensorRows(cache!, rows);
    },
    dispose() {
      if (cache) disposeCache(cache);
    },
  };
}
