/**
 * The one place a trainer is picked by name. Pure (the workflow sandbox imports it): the trainers'
 * implementations live on the side that trains.
 */
import { commandTrainer } from './command';
import { embeddedTrainer } from './embedded';
import { simulatedTrainer } from './simulated';
import type { Trainer, TrainerName } from './trainer';

export type { Trainer, TrainerName } from './trainer';

const TRAINERS: Readonly<Record<TrainerName, Trainer>> = {
  embedded: embeddedTrainer,
  command: commandTrainer,
  simulated: simulatedTrainer,
};

/** The experiment's trainer (the input check has limited `trainer` to these names). */
export function trainerNamed(name: TrainerName): Trainer {
  return TRAINERS[name];
}
