import type { Client } from '@temporalio/client';
import { stateDir } from '../connection/state-dir';
import { startOrReuseDevServer } from './dev-server';
import { processAlive } from '../processes/process-group';
import type { RunSession } from './run-session';

/**
 * Watches the Temporal server while `star run` shows progress: when it stops answering the user is
 * told at once (not after minutes of a frozen phase), and a dev server this `star run` started that
 * has died is started again on the same port and state, so the experiment goes on by itself.
 */
export class ServerWatch {
  private downSince: number | undefined;

  constructor(
    private readonly session: RunSession,
    private readonly client: Client,
    private readonly address: string,
    private readonly log: (message: string) => void,
    private readonly headless: boolean | undefined,
  ) {}

  /** One check; call it once per poll. */
  async check(): Promise<void> {
    const answers = await this.client.connection
      .withDeadline(Date.now() + 3000, () => this.client.workflowService.getSystemInfo({}))
      .then(
        () => true,
        () => false,
      );
    if (answers) {
      if (this.downSince !== undefined) this.log(`The Temporal server at ${this.address} answers again; going on.`);
      this.downSince = undefined;
      return;
    }
    const server = this.session.server;
    if (this.downSince === undefined) {
      this.downSince = Date.now();
      const what = server
        ? processAlive(server.pid)
          ? 'the dev server this star run started is not responding; waiting for it'
          : 'the dev server this star run started has stopped; starting it again with the same state'
        : 'retrying every few seconds; check that it is running (the worker and the experiment wait for it)';
      this.log(`The Temporal server at ${this.address} is not answering: ${what}.`);
    }
    if (server && !processAlive(server.pid)) {
      const port = Number(this.address.split(':').pop());
      try {
        const again = await startOrReuseDevServer({ stateDir: stateDir(), port, headless: this.headless });
        again.use();
        this.session.server = again;
        this.log(`Started the dev server again at ${again.address} (pid ${again.pid}, log ${again.logFile}).`);
      } catch (err) {
        this.log(`Could not start the dev server again yet: ${(err as Error).message.split('\n')[0]}; trying again.`);
      }
    }
  }
}
