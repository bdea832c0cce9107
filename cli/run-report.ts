/**
 * `star run` keeps the experiment's report (report/write-report.ts) current: rewritten after each
 * finished iteration and once at the end. A report that cannot be written (a store it cannot read
 * from here, a missing font) never stops the run: it is said once, with the reason.
 */
import type { WrittenReport } from '../report/write-report';

export class RunReport {
  private written = 0;
  private warned = false;
  private running: Promise<string | undefined> | undefined;

  constructor(
    private readonly storageRoot: string,
    private readonly experiment: string,
    private readonly say: (message: string) => void,
  ) {}

  /** Rewrites the report when more iterations have finished than it shows; one rewrite at a time. */
  refreshIfBehind(finishedIterations: number): void {
    if (finishedIterations <= this.written || this.running) return;
    this.written = finishedIterations;
    this.running = this.write().finally(() => (this.running = undefined));
  }

  /** Writes the report now (after any rewrite in flight) and returns its page, or undefined if it failed. */
  async final(): Promise<string | undefined> {
    await this.running;
    return this.write();
  }

  private async write(): Promise<string | undefined> {
    let report: WrittenReport;
    try {
      // Loaded on first use, as the commands are: vega is only needed here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { writeReport } = require('../report/write-report') as typeof import('../report/write-report');
      report = await writeReport(this.storageRoot, this.experiment);
    } catch (err) {
      if (!this.warned)
        this.say(`The report could not be written (${(err as Error).message}); \`star report ${this.experiment}\` tries again.`);
      this.warned = true;
      return undefined;
    }
    if (!this.warned) for (const warning of report.warnings) this.say(`Report: ${warning}`);
    if (report.warnings.length > 0) this.warned = true;
    return report.html;
  }
}
