import type { ExperimentProgress } from '../contracts/messages';
import { headline, metricsTable, phaseBars, tableRows, type ActivityDetail } from './progress-view';

/**
 * Draws the progress of a running experiment. On a terminal the headline and phase bars are
 * redrawn in place and the table grows above them; elsewhere (logs, CI) it prints a line when the
 * phase changes and the table row when an iteration finishes.
 */
export class LiveView {
  private drawnLines = 0;
  private printedRows = 0;
  private lastPhaseKey = '';
  private readonly startedAt = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  /** Prints a message above the live block. */
  log(message: string): void {
    this.clear();
    this.out.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  update(progress: ExperimentProgress, detail?: ActivityDetail): void {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const rows = tableRows(progress);
    const table = metricsTable(rows);
    const newRows = table.length > 0 ? table.slice(this.printedRows === 0 ? 0 : this.printedRows + 1) : [];
    if (this.tty) {
      this.clear();
      if (newRows.length > 0) {
        if (this.printedRows === 0) this.out.write('\n');
        // When a new accuracy class appears the header changes: reprint the whole table.
        this.out.write(`${newRows.join('\n')}\n`);
        this.printedRows = rows.length;
      }
      const block = [headline(progress, elapsed), ...phaseBars(progress, detail)];
      this.out.write(`${block.join('\n')}\n`);
      this.drawnLines = block.length;
      return;
    }
    const phaseKey = `${progress.iteration}/${progress.phase}/${progress.stopRequested}`;
    if (phaseKey !== this.lastPhaseKey) {
      this.out.write(`${headline(progress, elapsed)}\n`);
      this.lastPhaseKey = phaseKey;
    }
    if (newRows.length > 0) {
      this.out.write(`${newRows.join('\n')}\n`);
      this.printedRows = rows.length;
    }
  }

  /** Leaves the last drawing on screen and stops redrawing over it. */
  close(): void {
    this.drawnLines = 0;
  }

  private clear(): void {
    if (this.tty && this.drawnLines > 0) {
      this.out.write(`\x1b[${this.drawnLines}A\x1b[J`);
      this.drawnLines = 0;
    }
  }
}
