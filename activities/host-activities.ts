/**
 * What a host worker (`workers/host.ts`) serves on task queue `star-host-{host}`: the host's
 * `trainOnHost` and `pickRendezvous` (as host 0 of a multi-node command), and the generation and eval shards of experiments with `serveCommandTemplate`, which
 * sample from the inference server this host starts (`servers`). Composed here, above host/, so
 * host/ never imports activities back.
 */
import { PICK_RENDEZVOUS, TRAIN_ON_HOST, type PickRendezvousInput, type TrainOnHostInput } from '../contracts/activities';
import { pickRendezvous, trainOnHost, type HostSettings, type InferenceServers } from '../host';
import type { ActivityDeps } from './deps';
import { createActivities } from './index';

export function createHostActivities(settings: HostSettings, servers?: InferenceServers, shardDeps: Partial<ActivityDeps> = {}) {
  const shards = servers ? createActivities({ ...shardDeps, servers }) : undefined;
  return {
    [TRAIN_ON_HOST]: (input: TrainOnHostInput) => trainOnHost(settings, input),
    [PICK_RENDEZVOUS]: (input: PickRendezvousInput) => pickRendezvous(settings, input),
    ...(shards ? { generateShard: shards.generateShard, evalShard: shards.evalShard } : {}),
  };
}
