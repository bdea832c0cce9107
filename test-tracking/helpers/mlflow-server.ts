/**
 * A real MLflow tracking server (the one scripts/setup-tracking.sh installs) on a free loopback port,
 * SQLite for runs and a local folder for artifacts, and its REST API read back as a user's tools do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findFreePort } from '../../cli/ports';
import { signalGroup } from '../../processes/process-group';
import { waitUntil } from '../../test-support/processes';

export interface MlflowServer {
  uri: string;
  stop(): Promise<void>;
  get<T>(path: string, query: Record<string, string>): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

export async function startMlflowServer(venvPython: string, dir: string): Promise<MlflowServer> {
  const port = await findFreePort();
  const mlflow = join(venvPython, '..', 'mlflow');
  const child: ChildProcess = spawn(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const uri = `http://127.0.0.1:${port}`;
  const server: MlflowServer = {
    uri,
    stop: async () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
    get: async <T>(path: string, query: Record<string, string>) => {
      const response = await fetch(`${uri}/api/2.0/mlflow/${path}?${new URLSearchParams(query).toString()}`);
      if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    post: async <T>(path: string, body: unknown) => {
      const response = await fetch(`${uri}/api/2.0/mlflow/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`mlflow server exited ${child.exitCode}:\n${output.slice(-2000)}`);
      return fetch(`${uri}/health`).then(
        (r) => r.ok,
        () => false,
      );
    },
    300_000,
    'the MLflow server to answer /health',
  );
  return server;
}
