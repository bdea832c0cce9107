import { hostCacheDecoder } from '../../host-decoder';
import type { ModelBackend, ModelBackendOptions } from '../../model-backend';
import { computePool, workersFromEnvironment } from './compute-pool';
import { wasmLayers } from './layers';

/**
 * The model on WebAssembly (or tfjs's plain-JavaScript cpu backend): the WebAssembly layers, the
 * host key/value cache with SIMD attention kernels for sampling, and worker threads (one
 * WebAssembly instance each) sharing training micro-batches and sampling requests, since tfjs runs
 * WebAssembly single-threaded under Node.
 */
export function createWasmBackend(options: ModelBackendOptions = {}): ModelBackend {
  const workers = options.workers ?? workersFromEnvironment();
  const threads = workers <= 1 ? 0 : workers;
  return {
    name: 'wasm',
    layers: wasmLayers,
    decoder: (model) => hostCacheDecoder(wasmLayers, model),
    workerCount: () => threads,
    pool: () => computePool(threads),
  };
}
