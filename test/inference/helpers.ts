/** `star serve` as a real child process for the client tests: started, its URL read from its output. */
import { startWorkerProcess, type WorkerProcess } from '../../test-support/processes';

export interface ServeProcess {
  process: WorkerProcess;
  /** `http://127.0.0.1:PORT/v1` */
  url: string;
  port: number;
}

export async function startServe(checkpoint: string, extra: string[] = [], port = 0): Promise<ServeProcess> {
  const process = startWorkerProcess(
    'star serve',
    'cli/main.ts',
    ['serve', '--checkpoint', checkpoint, '--port', String(port), '--log-requests', ...extra],
    {
      ...globalThis.process.env,
      TEMPORAL_ADDRESS: undefined,
    },
  );
  const match = await process.waitFor(/listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1)/, 120_000);
  return { process, url: match[1] as string, port: Number(match[2]) };
}
