/**
 * The host side of per-host training: the `trainOnHost` activity that `workers/host.ts`
 * serves on task queue `star-host-{host}`.
 */
import { TRAIN_ON_HOST, type TrainOnHostInput } from '../contracts/activities';
import { trainOnHost, type HostSettings } from './train-on-host';

export { killRunningTrainers, type HostSettings } from './train-on-host';

export function createHostActivities(settings: HostSettings) {
  return { [TRAIN_ON_HOST]: (input: TrainOnHostInput) => trainOnHost(settings, input) };
}
