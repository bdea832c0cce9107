import * as tf from '@tensorflow/tfjs-core';
import { createNativeTfBackend } from './backends/native-tf';
import { createWasmBackend } from './backends/wasm';
import { hostCacheDecoder } from './host-decoder';
import type { ModelBackend, ModelBackendName, ModelBackendOptions } from './model-backend';
import { plainLayers } from './plain-layers';

/**
 * Picks the fastest tfjs backend that loads here: native TensorFlow (`tfjs-node`), else WebAssembly
 * with SIMD (XNNPACK), else plain JavaScript. `tfjs-node` is an optional dependency whose install
 * fails where libtensorflow cannot be downloaded, and its `require` then throws arbitrary errors
 * (not only MODULE_NOT_FOUND), so every failure falls through to the next backend. The model backend
 * that fits it is made once, here (`modelBackend()`).
 */
let chosen: Promise<string> | undefined;
let chosenModelBackend: ModelBackend | undefined;

export function initBackend(log: (line: string) => void = (line) => console.error(line)): Promise<string> {
  chosen ??= choose(log).then((name) => {
    chosenModelBackend = createModelBackend(name === 'tensorflow' ? 'native-tf' : 'wasm');
    return name;
  });
  return chosen;
}

/** The model backend chosen at start-up by `initBackend` (native-tf on TensorFlow, else wasm). */
export function modelBackend(): ModelBackend {
  if (!chosenModelBackend) throw new Error('the model backend is chosen by initBackend(); await initBackend() before training or sampling');
  return chosenModelBackend;
}

/**
 * A model backend by name: 'native-tf' (needs the tensorflow tfjs backend active), 'wasm' (the
 * WebAssembly design; also right on tfjs's cpu backend), 'plain' (tfjs's built-in ops and gradients:
 * the reference the others are tested against). Its tensors live on whichever tfjs backend is active.
 */
export function createModelBackend(name: ModelBackendName, options: ModelBackendOptions = {}): ModelBackend {
  if (name === 'native-tf') return createNativeTfBackend(options);
  if (name === 'wasm') return createWasmBackend(options);
  return {
    name,
    layers: plainLayers,
    decoder: (model) => hostCacheDecoder(plainLayers, model),
    workerCount: () => 0,
    pool: () => undefined,
  };
}

/** Worker threads the chosen model backend computes on (0: this thread). */
export function workerCount(): number {
  return modelBackend().workerCount();
}

async function choose(log: (line: string) => void): Promise<string> {
  const forced = process.env.STAR_TFJS_BACKEND;
  const order = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
  const failures: string[] = [];
  for (const name of order) {
    try {
      registerBackend(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        const simd = name === 'wasm' ? ` (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'})` : '';
        log(`[model] tfjs backend: ${name}${simd}${failures.length ? `; skipped ${failures.join('; ')}` : ''}`);
        return name;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no tfjs backend could start (${failures.join('; ')}); run npm install in the project root`);
}

function registerBackend(name: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (name === 'tensorflow') {
    // TensorFlow prints oneDNN start-up notes at levels 0-1; warnings and errors still show.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  else if (name === 'cpu') require('@tensorflow/tfjs-backend-cpu');
  else throw new Error(`unknown backend ${name} in STAR_TFJS_BACKEND; use tensorflow, wasm or cpu`);
  /* eslint-enable @typescript-eslint/no-require-imports */
}
