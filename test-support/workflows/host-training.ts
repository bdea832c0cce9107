/**
 * The training step of the `command` trainer alone, as a workflow: the real `trainOnHosts` of
 * workflows/train-on-hosts.ts (one `trainOnHost` per host, on each host's task queue), without the
 * generation and records steps around it, so the host tests take seconds.
 */
import type { TrainModelResult, TrainOnHostInput } from '../../contracts/activities';
import { trainOnHosts } from '../../workflows/train-on-hosts';

export interface HostTrainingInput {
  hosts: string[];
  heartbeatTimeoutSeconds: number;
  base: Omit<TrainOnHostInput, 'host' | 'hostIndex' | 'hostCount' | 'logUri' | 'rendezvous'>;
  /** Each host's log is `{logDir}/{host}.log`. */
  logDir: string;
  /** The experiment option `rendezvous`, for a command with `{master_addr}`/`{master_port}`. */
  rendezvous?: { addr: string; port: number };
}

export async function hostTraining(input: HostTrainingInput): Promise<TrainModelResult> {
  return trainOnHosts({
    hosts: input.hosts,
    heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds,
    base: input.base,
    ...(input.rendezvous ? { rendezvous: input.rendezvous } : {}),
    logUri: (host) => `${input.logDir}/${host}.log`,
    onHostDone: () => undefined,
  });
}
