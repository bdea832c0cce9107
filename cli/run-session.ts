import type { Client } from '@temporalio/client';
import type { DevServer } from './dev-server';
import type { PollingWorker } from '../workers/start-up';

/** What `star run` started, stopped in reverse order on the way out. */
export class RunSession {
  server?: DevServer;
  client?: Client;
  worker?: PollingWorker;
  interrupted = false;
  private readonly interruptedPromise: Promise<void>;
  private onInterrupt = () => {};
  private readonly sigint = () => this.interrupt();

  constructor() {
    this.interruptedPromise = new Promise((done) => (this.onInterrupt = done));
    process.on('SIGINT', this.sigint);
    process.on('SIGTERM', this.sigint);
  }

  /** Resolves on the first Ctrl-C. */
  get interruption(): Promise<void> {
    return this.interruptedPromise;
  }

  private interrupt(): void {
    if (this.interrupted) {
      console.error('\nSecond Ctrl-C: exiting now. The experiment is safe on the server; `star run` again resumes it.');
      process.exit(130);
    }
    this.interrupted = true;
    console.error('\nCtrl-C: stopping the worker' + (this.server ? ' and the dev server' : '') + '... (Ctrl-C again to exit at once)');
    this.worker?.worker.shutdown();
    this.onInterrupt();
  }

  async close(): Promise<void> {
    if (this.worker) {
      if (this.worker.worker.getState() === 'RUNNING') this.worker.worker.shutdown();
      await this.worker.done.catch((err: unknown) => console.error(`the worker stopped with an error: ${(err as Error).message}`));
    }
    await this.client?.connection.close().catch(() => undefined);
    if (this.server && !(await this.server.release())) {
      console.log(`The dev server (pid ${this.server.pid}) stays up for its other users (\`star server stop\` stops it).`);
    }
    process.off('SIGINT', this.sigint);
    process.off('SIGTERM', this.sigint);
  }
}
