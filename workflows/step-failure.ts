import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { Phase } from '../contracts/messages';
import { GROWTH_RULE_FAILURES } from '../core/step-growth';
import { LOST_CHECKPOINT_FAILURE } from '../contracts/failure-types';

/**
 * A failed step fails the run, naming the iteration and step, the cause, and the way back: fix the
 * cause, then `star resume` resets the run to just before this step (completed steps are kept).
 */
export function stepFailure(exp: string, iteration: number, phase: Phase, err: unknown): unknown {
  if (isCancellation(err) || !(err instanceof ActivityFailure)) return err;
  const cause = err.cause instanceof Error ? err.cause.message : String(err);
  // The step count comes from the options (and the examples they keep), and a run's options cannot change.
  const fromOptions = err.cause instanceof ApplicationFailure && GROWTH_RULE_FAILURES.includes(err.cause.type ?? '');
  // A trained checkpoint lost after its step finished: the cause names the redo that cures it, and a resume would fail again.
  const curedByRedo = err.cause instanceof ApplicationFailure && err.cause.type === LOST_CHECKPOINT_FAILURE;
  const advice = fromOptions
    ? `This follows from the experiment's options, which a run keeps (\`star resume ${exp}\` would fail the same way): ` +
      `start a new experiment with the options changed, e.g. \`star run --input <file> --set experiment=<new name> --set ...\`.`
    : curedByRedo
      ? undefined
      : `Fix the cause, then run \`star resume ${exp}\` to continue from this step.`;
  return ApplicationFailure.create({
    nonRetryable: true,
    type: 'StepFailed',
    message: [`iteration ${iteration}, ${phase} (${err.activityType}) failed: ${cause}.`, advice]
      .filter((part) => part !== undefined)
      .join(' '),
    cause: err,
    details: [{ iteration, phase, activityType: err.activityType }],
  });
}
