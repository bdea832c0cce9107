/**
 * vLLM's OpenAI server for the tests, started directly (not through a host worker) on one model
 * folder with the settings of the -vllm presets, on a free loopback port, in its own process group.
 */
import { dirname } from 'node:path';
import { findFreePort } from '../../cli/ports';
import { TrainerProcess } from '../../host/trainer-process';
import type { RunningServer } from './openai-server';

/** Stops waiting only if the server neither answers nor exits: a guard, not a speed expectation. */
const READY_GUARD_MS = 20 * 60_000;

export async function startVllm(python: string, modelDir: string): Promise<RunningServer> {
  const port = await findFreePort();
  const log: string[] = [];
  const server = await TrainerProcess.start({
    argv: [
      python,
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--model',
      modelDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--dtype',
      'float32',
      '--max-model-len',
      '1024',
      '--generation-config',
      'vllm',
      '--max-num-batched-tokens',
      '8192',
    ],
    cwd: dirname(modelDir),
    env: { ...process.env, VLLM_CPU_KVCACHE_SPACE: '1', HF_HUB_OFFLINE: '1' },
    onLine: (line) => log.push(line),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () => server.stop(10_000);
  let exited = false;
  void server.exited.then(() => (exited = true));
  const guard = Date.now() + READY_GUARD_MS;
  for (;;) {
    if (exited) throw new Error(`vLLM exited before answering GET /v1/models; its log:\n${log.slice(-30).join('\n')}`);
    if (Date.now() > guard) {
      await stop();
      throw new Error(`vLLM did not answer GET ${baseUrl}/v1/models; its log:\n${log.slice(-30).join('\n')}`);
    }
    const ready = await fetch(`${baseUrl}/v1/models`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { baseUrl, model: modelDir, log, stop };
}
