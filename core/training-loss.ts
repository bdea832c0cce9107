/**
 * The per-step training loss of an iteration, saved as JSON lines (`{"step":1,"loss":2.31}`), one per
 * optimizer step, in step order. Small (a few tens of bytes a step) and only ever extended; written
 * whole each time so an object store never holds half a file.
 */

export interface LossPoint {
  step: number;
  loss: number;
}

export function formatLossLines(points: readonly LossPoint[]): string {
  return points.map((p) => `${JSON.stringify({ step: p.step, loss: p.loss })}\n`).join('');
}

/** The points of a loss file; lines that are not a finite `{step, loss}` are skipped (a report must not fail on one). */
export function parseLossLines(text: string): LossPoint[] {
  const points: LossPoint[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row = JSON.parse(line) as Partial<LossPoint>;
      if (Number.isInteger(row.step) && Number.isFinite(row.loss)) points.push({ step: row.step as number, loss: row.loss as number });
    } catch {
      // a torn or foreign line: skip it
    }
  }
  return points;
}
