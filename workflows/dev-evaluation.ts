/**
 * The sharded passes' placement and the dev-split evaluation both an iteration and the base model's
 * evaluation run.
 */
import { patched } from '@temporalio/workflow';
import type { PreparedExperiment } from '../contracts/activities';
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { IterationLayout } from '../contracts/layout';
import type { IterationMetrics } from '../contracts/metrics';
import { hostShardProxies, type HostShardActivities, type StarActivities } from './activity-proxies';
import { allOrCancel } from './parallel';

/**
 * How many shard activities of a pass may be pending at once: maxPendingShards when the pass has more
 * shards than that. Runs recorded before the cap started all K at once; the marker (set only when the
 * cap changes anything) keeps them so on replay.
 */
export function pendingShardCap(options: ExperimentOptions): number {
  return options.shards > options.maxPendingShards && patched('bounded-pending-shards') ? options.maxPendingShards : Infinity;
}

/**
 * Where shard k's generation and eval run. With serveCommandTemplate each host starts the server its
 * shards sample from; shard k runs on host k mod H. Old histories never have that option, so they
 * replay the path they took.
 */
export function shardActivities(options: ExperimentOptions, acts: StarActivities): (shard: number) => HostShardActivities {
  return (shard) =>
    options.serveCommandTemplate
      ? hostShardProxies(options.hosts[shard % options.hosts.length] as string, options.heartbeatTimeoutSeconds)
      : acts;
}

export interface DevEvaluation {
  options: ExperimentOptions;
  datasetDir: PreparedExperiment['datasetDir'];
  /** The iteration whose folders receive the shards and summary (0 for the base model). */
  iteration: number;
  checkpointUri: string;
  layout: IterationLayout;
  acts: StarActivities;
  onShardDone: () => void;
}

/** The checkpoint on the dev split: eval shards in parallel (at most maxPendingShards pending), then their merge into the summary. */
export async function evaluateOnDev(request: DevEvaluation): Promise<{ accuracy: IterationMetrics['accuracy']; overallAccuracy: number }> {
  const { options, iteration, layout: it, acts } = request;
  const K = options.shards;
  const shardActs = shardActivities(options, acts);
  const shards = await allOrCancel(
    Array.from({ length: K }, (_, shard) => async () => {
      const result = await shardActs(shard).evalShard({
        options,
        datasetDir: request.datasetDir,
        iteration,
        shards: K,
        shard,
        checkpointUri: request.checkpointUri,
        outputUri: it.evalShard(shard, K),
      });
      request.onShardDone();
      return result;
    }),
    pendingShardCap(options),
  );
  return acts.mergeEval({ iteration, shardUris: shards.map((s) => s.outputUri), summaryUri: it.evalSummary, manifestUri: it.done.eval });
}
