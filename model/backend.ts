import * as tf from '@tensorflow/tfjs-core';

/**
 * Picks the fastest tfjs backend that loads here: native TensorFlow (`tfjs-node`), else WebAssembly
 * with SIMD (XNNPACK), else plain JavaScript. `tfjs-node` is an optional dependency whose install
 * fails where libtensorflow cannot be downloaded, and its `require` then throws arbitrary errors
 * (not only MODULE_NOT_FOUND), so every failure falls through to the next backend.
 */
let chosen: Promise<string> | undefined;

/**
 * The backend tensors are running on now (undefined before the first `initBackend`). Read on every
 * call rather than cached: tests switch backends in one process with `tf.setBackend`.
 */
export function activeBackend(): string | undefined {
  return tf.engine().backendName ?? undefined;
}

/**
 * True on native TensorFlow: the model then uses plain tf ops and TF's own thread pool, where the
 * WebAssembly path needs worker threads and hand-made kernels (see model/README.md).
 */
export function nativeBackend(): boolean {
  return activeBackend() === 'tensorflow';
}

export function initBackend(log: (line: string) => void = (line) => console.error(line)): Promise<string> {
  chosen ??= choose(log);
  return chosen;
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
  }
  else if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  else if (name === 'cpu') require('@tensorflow/tfjs-backend-cpu');
  else throw new Error(`unknown backend ${name} in STAR_TFJS_BACKEND; use tensorflow, wasm or cpu`);
  /* eslint-enable @typescript-eslint/no-require-imports */
}
