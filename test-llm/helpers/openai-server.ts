/**
 * A real OpenAI-compatible server for the tests: `transformers serve` from the LLM venv, pinned to one
 * model folder, on a free loopback port, in its own process group (stopped as a whole).
 */
import { dirname } from 'node:path';
import { findFreePort } from '../../cli/ports';
import { TrainerProcess } from '../../host/trainer-process';

export interface RunningServer {
  baseUrl: string;
  /** The `model` every request names: the served folder (the server is pinned to it). */
  model: string;
  log: string[];
  stop(): Promise<void>;
}

/** Stops waiting only if the server neither answers nor exits: a guard, not a speed expectation. */
const READY_GUARD_MS = 10 * 60_000;

export async function startTransformersServe(python: string, modelDir: string): Promise<RunningServer> {
  const port = await findFreePort();
  const log: string[] = [];
  const server = await TrainerProcess.start({
    // `python -m`, not the venv's `transformers` script: its shebang breaks when the venv is moved.
    argv: [
      python,
      '-m',
      'transformers.cli.transformers',
      'serve',
      modelDir,
      '--device',
      'cpu',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    cwd: dirname(modelDir),
    env: { ...process.env, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
    onLine: (line) => log.push(line),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () => server.stop(10_000);
  let exited = false;
  void server.exited.then(() => (exited = true));
  const guard = Date.now() + READY_GUARD_MS;
  for (;;) {
    if (exited) throw new Error(`transformers serve exited before answering GET /v1/models; its log:\n${log.slice(-20).join('\n')}`);
    if (Date.now() > guard) {
      await stop();
      throw new Error(`transformers serve did not answer GET ${baseUrl}/v1/models; its log:\n${log.slice(-20).join('\n')}`);
    }
    const ready = await fetch(`${baseUrl}/v1/models`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseUrl, model: modelDir, log, stop };
}

export interface Completion {
  object: string;
  model: string;
  choices: { index: number; text: string; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export async function complete(server: RunningServer, body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: server.model, ...body }),
  });
  return { status: response.status, json: await response.json() };
}
