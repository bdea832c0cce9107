/**
 * The host side of per-host training: the `trainOnHost` activity that `workers/host.ts`
 * serves on task queue `star-host-{host}`.
 */
import { createActivities, type ActivityDeps } from '../activities';
import { TRAIN_ON_HOST, type TrainOnHostInput } from '../contracts/activities';
import { InferenceServers } from './inference-servers';
import { trainOnHost, type HostSettings } from './train-on-host';

export { killRunningTrainers, type HostSettings } from './train-on-host';
export { InferenceServers } from './inference-servers';

/**
 * `trainOnHost`, and the generation and eval shards of experiments with `serveCommandTemplate`,
 * which sample from the inference server this host starts (`servers`).
 */
export function createHostActivities(settings: HostSettings, servers?: InferenceServers, shardDeps: Partial<ActivityDeps> = {}) {
  const shards = servers ? createActivities({ ...shardDeps, servers }) : undefined;
  return {
    [TRAIN_ON_HOST]: (input: TrainOnHostInput) => trainOnHost(settings, input),
    ...(shards ? { generateShard: shards.generateShard, evalShard: shards.evalShard } : {}),
  };
}

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
