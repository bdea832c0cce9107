/**
 * The host side of per-host training: the `trainOnHost` activity and the trainer and inference
 * server processes of one machine. activities/host-activities.ts composes what a host worker
 * serves on task queue `star-host-{host}`.
 */
import { InferenceServers } from './inference-servers';
import type { HostSettings } from './train-on-host';

export { killRunningTrainers, trainOnHost, type HostSettings } from './train-on-host';
export { InferenceServers } from './inference-servers';
export { pickRendezvous } from './rendezvous';

export function hostInferenceServers(settings: HostSettings): InferenceServers {
  return new InferenceServers({
    host: settings.host,
    workdir: settings.workdir,
    stateDir: settings.stateDir,
    killGraceMs: settings.killGraceMs,
    env: settings.env,
    say: settings.say,
  });
}
