import type { Client } from '@temporalio/client';
import type { TemporalTarget } from '../connection/temporal';
import { checkExperimentName } from './experiment-name';
import { closedStateAdvice, describeWhere, experimentState, resolveTarget, withClient, type ExperimentState } from './experiment-client';

export interface ExperimentAt {
  client: Client;
  target: TemporalTarget;
  /** The experiment's latest run (never absent here). */
  state: Exclude<ExperimentState, { kind: 'absent' }>;
}

export interface WithExperimentOptions {
  /**
   * Only a running experiment will do: a closed one gets the advice for its state (how to continue
   * or resume it) and `closedExitCode`, and `work` does not run.
   */
  mustRun: boolean;
  /** Exit status for a closed experiment under `mustRun` (default 1). */
  closedExitCode?: number;
  /** Reports an absent experiment instead of the default message (e.g. as JSON); the status is 1 either way. */
  onAbsent?: () => void;
}

/**
 * The guard every command about one experiment starts with: connect to the cluster (or the local dev
 * server), find the experiment, refuse an absent one (status 1) and, under `mustRun`, a closed one.
 */
export function withExperiment(
  experiment: string,
  options: WithExperimentOptions,
  work: (at: ExperimentAt) => Promise<number>,
): Promise<number> {
  checkExperimentName(experiment);
  const target = resolveTarget();
  return withClient(target, async (client) => {
    const state = await experimentState(client, experiment);
    if (state.kind === 'absent') {
      if (options.onAbsent) options.onAbsent();
      else console.error(`No experiment named ${experiment} on ${describeWhere(target)}.`);
      return 1;
    }
    if (options.mustRun && state.kind !== 'running') {
      console.log(closedStateAdvice(experiment, state));
      return options.closedExitCode ?? 1;
    }
    return work({ client, target, state });
  });
}
