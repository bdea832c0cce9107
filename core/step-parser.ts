/**
 * The training step, read from the trainer's output lines. Formats understood:
 * - the embedded trainer (`model/train-cli.ts`): `step 12 loss 1.234567`
 * - the reference (`device_train.py` of STaR / mesh-transformer-jax): `saving a checkpoint for step 12`,
 *   `state will be restored from checkpoint 12`, `validation loss for step 12, set …: 1.23` (and its
 *   variants), `Step 12 val results: …`, and `training completed!` (which means total_steps)
 * Only whole-line forms are matched, so a number elsewhere in a log line is not taken for a step.
 */

export interface StepReport {
  step: number;
  loss?: number;
}

const NUMBER = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?|nan|inf)';

const PATTERNS: { re: RegExp; loss?: number }[] = [
  { re: new RegExp(`^\\s*step[ =:]+(\\d+)(?:[ ,]+loss[ =:]+${NUMBER})?\\s*$`, 'i'), loss: 2 },
  { re: /^\s*saving a checkpoint for step (\d+)\s*$/i },
  { re: /^\s*state will be restored from checkpoint (\d+)\s*$/i },
  // A validation loss is not the training loss, so only its step is taken.
  { re: /^\s*validation loss for step (\d+)\b/i },
  { re: /^\s*step (\d+) val results:/i },
];

const COMPLETED = /^\s*training completed!?\s*$/i;

/** The step a line reports, if it reports one. */
export function parseStepLine(line: string, totalSteps: number): StepReport | undefined {
  if (COMPLETED.test(line)) return { step: totalSteps };
  for (const { re, loss } of PATTERNS) {
    const m = re.exec(line);
    if (!m) continue;
    const report: StepReport = { step: Number(m[1]) };
    if (loss !== undefined && m[loss] !== undefined) {
      const value = Number(m[loss]);
      if (Number.isFinite(value)) report.loss = value;
    }
    return report;
  }
  return undefined;
}

/** Follows the highest step seen (a trainer that resumes may print earlier steps again). */
export class StepTracker {
  step = 0;
  loss?: number;

  constructor(private readonly totalSteps: number) {}

  /** Feeds one line; true when it advanced the step or changed the loss. */
  see(line: string): boolean {
    const report = parseStepLine(line, this.totalSteps);
    if (!report) return false;
    if (report.step < this.step) return false;
    const changed = report.step > this.step || (report.loss !== undefined && report.loss !== this.loss);
    this.step = report.step;
    if (report.loss !== undefined) this.loss = report.loss;
    return changed;
  }
}
