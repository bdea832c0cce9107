/**
 * Saves the embedded trainer's loss at every step to the iteration's `loss.jsonl`
 * (core/training-loss.ts), for the report's loss curves. The file is rewritten whole (object stores
 * cannot append) at each checkpoint and every few seconds between them. A retried attempt resumes
 * training after its newest checkpoint, so the steps after it are trained again: their old lines are
 * dropped when the first new step arrives.
 */
import { formatLossLines, parseLossLines, type LossPoint } from '../core/training-loss';
import { exists, readText, writeBytes } from '../storage';

const FLUSH_EVERY_MS = 5000;

export class LossLog {
  private points: LossPoint[] = [];
  private lastFlush = 0;
  private pending = false;

  private constructor(private readonly uri: string) {}

  /** The log at `uri`, holding what an earlier attempt saved. */
  static async open(uri: string): Promise<LossLog> {
    const log = new LossLog(uri);
    if (await exists(uri)) log.points = parseLossLines(await readText(uri));
    log.lastFlush = Date.now();
    return log;
  }

  /** Adds a step; saves now when `checkpointed` (the step a retry would resume after) or when due. */
  async record(step: number, loss: number, checkpointed: boolean): Promise<void> {
    if (!Number.isFinite(loss)) return;
    this.points = this.points.filter((p) => p.step < step);
    this.points.push({ step, loss });
    this.pending = true;
    if (checkpointed || Date.now() - this.lastFlush >= FLUSH_EVERY_MS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    await writeBytes(this.uri, formatLossLines(this.points));
    this.pending = false;
    this.lastFlush = Date.now();
  }
}
