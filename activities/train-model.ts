/**
 * The `trainModel` activity: an iteration's training on an experiment worker, by the implementation of
 * the experiment's trainer (trainers/ says which trainers train here; the `command` trainer trains on
 * its hosts instead, host/train-on-host.ts). Manifest-keyed, so a finished step is never run again.
 */
import type { TrainerName } from '../trainers';
import type { ActivityDeps } from './deps';
import { trainEmbedded } from './embedded-training';
import { asActivity, badInput } from '../activity-context/failures';
import { inputKey, once } from './manifest';
import { simulateTraining } from './simulated-training';
import type { TrainModelInput, TrainModelResult } from '../contracts/activities';

/** Each trainer's training on a worker; typed by trainer name, so a new trainer cannot be left out. */
const WORKER_TRAINING: Readonly<Record<TrainerName, (input: TrainModelInput) => Promise<TrainModelResult>>> = {
  embedded: trainEmbedded,
  simulated: simulateTraining,
  command: async (input) => {
    throw badInput(`trainer "command" trains on its hosts (the trainOnHost activity), not in trainModel (iteration ${input.iteration})`);
  },
};

export async function trainModel(_deps: ActivityDeps, input: TrainModelInput): Promise<TrainModelResult> {
  return asActivity(`training iteration ${input.iteration}`, async () => {
    const key = inputKey({
      step: 'train',
      config: input.configUri,
      index: input.indexUri,
      base: input.baseCheckpointUri,
      modelDir: input.modelDir,
      totalSteps: input.totalSteps,
    });
    return once(input.manifestUri, key, async () => {
      if (input.records === 0) {
        throw badInput(
          `iteration ${input.iteration} has no training records: the kept examples make fewer tokens than one chunk (seq + 1). ` +
            'Keep more examples (nTrainSamples, rationalize) or use a model with a shorter seq.',
        );
      }
      return WORKER_TRAINING[input.options.trainer](input);
    });
  });
}
