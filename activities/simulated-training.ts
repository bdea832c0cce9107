/**
 * The `simulated` trainer, for capacity planning: reads the iteration's records index (so a missing
 * records step fails as it would for a real trainer), then takes `simulatedStepMs` per step,
 * heartbeating every step, and leaves a marker checkpoint `models/{exp}_{i}/step_{N}/simulated.json`
 * that the simulated sampler accepts. A retried attempt (after a crash or a kill) goes on from the
 * step its predecessor last heartbeated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { readIndexEntries } from '../dataset-files/records';
import { exists } from '../storage';
import { checkpointUri } from '../contracts/layout';
import type { TrainingProgress } from '../contracts/heartbeats';
import type { TrainModelInput, TrainModelResult } from '../contracts/activities';
import { badInput } from '../activity-context/failures';
import { cancellationSignal, heartbeat } from '../activity-context/progress';
import { writeSimulatedCheckpoint } from './simulated-checkpoint';

export async function simulateTraining(input: TrainModelInput): Promise<TrainModelResult> {
  const entries = await readIndexEntries(input.indexUri);
  for (const uri of entries) {
    if (!(await exists(uri))) {
      throw badInput(
        `the records index ${input.indexUri} names ${uri}, which does not exist: \`star redo ${input.options.experiment} --iteration ${input.iteration} --step records\` writes it again`,
      );
    }
  }
  const total = input.totalSteps;
  const stepMs = input.options.simulatedStepMs;
  let step = stepMs > 0 ? resumedStep(total) : total;
  heartbeat({ kind: 'training', step, totalSteps: total });
  const signal = cancellationSignal();
  while (step < total) {
    try {
      await sleep(stepMs, undefined, { signal });
    } catch (err) {
      if (signal?.aborted) throw new CancelledFailure(`training of iteration ${input.iteration} cancelled`);
      throw err;
    }
    step += 1;
    heartbeat({ kind: 'training', step, totalSteps: total });
  }
  const uri = checkpointUri(input.modelDir, total);
  await writeSimulatedCheckpoint(uri, { iteration: input.iteration, step: total, indexUri: input.indexUri });
  return { checkpointUri: uri, step: total };
}

/** The step the previous attempt last reported (0 on a first attempt). */
function resumedStep(total: number): number {
  let details: unknown;
  try {
    details = Context.current().info.heartbeatDetails;
  } catch {
    return 0;
  }
  const last = details as Partial<TrainingProgress> | undefined;
  if (last?.kind !== 'training' || typeof last.step !== 'number' || last.totalSteps !== total) return 0;
  return Math.max(0, Math.min(total, Math.floor(last.step)));
}
