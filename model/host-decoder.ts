import type { EmbeddedModel } from './embedded-model';
import { selectRows, type KvCache } from './kv-cache';
import type { Decoder, Layers } from './model-backend';
import { decodeStep, prefill } from './transformer';

/**
 * Cached decoding with the key/value cache on the host and attention in JavaScript or SIMD kernels
 * (kv-cache.ts): the WebAssembly backend's decoder, and with native layers the reference the
 * native TensorFlow tensor cache is checked against.
 */
export function hostCacheDecoder(layers: Layers, model: EmbeddedModel): Decoder {
  const c = model.config;
  const w = model.tensors();
  const embeddings = { wte: model.weights.find((x) => x.name === 'wte')!.data, wpe: model.weights.find((x) => x.name === 'wpe')!.data };
  let cache: KvCache | undefined;
  return {
    prefill(ids, batch, len, pad, capacity) {
      const r = prefill(layers, c, w, ids, batch, len, pad, capacity);
      cache = r.cache;
      return r.logits;
    },
    step: (ids, positions) => decodeStep(layers, c, w, cache!, ids, positions, embeddings),
    select(rows) {
      cache = selectRows(cache!, rows);
    },
    dispose() {},
  };
}
