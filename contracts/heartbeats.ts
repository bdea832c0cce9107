/**
 * Heartbeat details: the fine-grained progress a running activity reports and a client reads from
 * `describe()` (pending activities, see cli/activity-progress.ts).
 */

export interface ExamplesProgress {
  kind: 'examples';
  /** generate | eval */
  pass: string;
  shard: number;
  shards: number;
  done: number;
  total: number;
}

export interface TrainingProgress {
  kind: 'training';
  step: number;
  totalSteps: number;
  loss?: number;
  /** The training host (the command trainer's `trainOnHost`, one per host), so views can tell them apart. */
  host?: string;
}

export interface StepProgress {
  kind: 'step';
  /** What the activity is doing now, e.g. "tokenizing". */
  doing: string;
}

export type ActivityProgress = ExamplesProgress | TrainingProgress | StepProgress;
