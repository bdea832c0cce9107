/**
 * Host workers on this machine acting as the nodes of a multi-node torchrun launch, and what the
 * multi-node tests compare: step losses and final weights against one process, within the tolerance of
 * docs/distributed-training.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { hostInferenceServers } from '../../host';
import { llmPython, ROOT } from '../../scripts/make-tiny-lm';
import { createHostWorker, hostSettings } from '../../workers/host-worker';

/** Step losses of 1 process and of 2 agree to this (the order of float additions differs, nothing else). */
export const LOSS_TOLERANCE = 1e-4;
/** Final weights likewise; Adam turns float noise into updates in weights with almost no gradient. */
export const WEIGHT_TOLERANCE = 1e-3;

// torchrun as `python -m torch.distributed.run`: the same launcher, and it does not depend on the
// venv's bin/torchrun script, whose first line names the python of the folder the venv was made in.
const LAUNCHER = '.tools/llm-venv/bin/python -m torch.distributed.run';
const TRAIN = '-m star_trainer.train --config {config} --tune-model-path {base_model}';

/** The multi-node command of docs/distributed-training.md: every host one node, host 0's rendezvous. */
export const TORCHRUN_NODES =
  `${LAUNCHER} --nnodes {host_count} --node_rank {host_index} --nproc_per_node {nproc_per_node} ` +
  `--master_addr {master_addr} --master_port {master_port} ${TRAIN}`;

/** The one-node command: `nprocPerNode` processes on one host, at a rendezvous torchrun picks itself. */
export const TORCHRUN_ONE_NODE = `${LAUNCHER} --standalone --nproc_per_node {nproc_per_node} ${TRAIN}`;

const STEP_LINE = /^step (\d+) loss ([0-9.]+)$/gm;

/** The `step N loss X` lines of a trainer's output. */
export function stepLosses(text: string): Map<number, number> {
  return new Map([...text.matchAll(STEP_LINE)].map((m) => [Number(m[1]), Number(m[2])]));
}

/** The largest absolute difference between the two checkpoints' tensors (safetensors, read by torch). */
export function largestWeightDifference(a: string, b: string): number {
  const script =
    'import sys\nfrom safetensors.torch import load_file\na, b = load_file(sys.argv[1]), load_file(sys.argv[2])\n' +
    'assert set(a) == set(b), (sorted(a), sorted(b))\nprint(max((a[k].float() - b[k].float()).abs().max().item() for k in a))';
  const done = spawnSync(llmPython(), ['-c', script, join(a, 'model.safetensors'), join(b, 'model.safetensors')], { encoding: 'utf8' });
  assert.equal(done.status, 0, done.stderr);
  return Number(done.stdout.trim());
}

interface HostNodesOptions {
  /** The trainers' environment (e.g. HF_HUB_OFFLINE, OMP_NUM_THREADS). */
  environment: NodeJS.ProcessEnv;
  /** Where the hosts keep the notes of their running trainers. */
  stateDir: string;
  /** Start the inference servers of serveCommandTemplate too. */
  serve?: boolean;
  /** Each line of every trainer's output, as the host worker echoes it. */
  onLine?: (host: string, line: string) => void;
}

/**
 * One host worker per name, each with its own working directory holding the project's .tools, as a
 * checkout on its own machine, and 127.0.0.1 as the rendezvous address host 0 publishes.
 */
export async function startHostNodes(
  env: TestWorkflowEnvironment,
  dir: string,
  hosts: readonly string[],
  options: HostNodesOptions,
): Promise<{ stop(): Promise<void> }> {
  const started: { worker: Worker; run: Promise<void>; stopServers?: () => Promise<void> }[] = [];
  for (const host of hosts) {
    const workdir = join(dir, `${host}-workdir`);
    mkdirSync(workdir, { recursive: true });
    symlinkSync(join(ROOT, '.tools'), join(workdir, '.tools'));
    const settings = hostSettings(
      { host, workdir, killGraceSeconds: 10, stateDir: options.stateDir, quiet: !options.onLine, rendezvousAddr: '127.0.0.1' },
      options.environment,
    );
    const prefix = `[${host}] `;
    const echoing = {
      ...settings,
      say: (message: string) => {
        if (message.startsWith(prefix)) options.onLine?.(host, message.slice(prefix.length));
      },
    };
    const servers = options.serve ? hostInferenceServers(echoing) : undefined;
    const worker = await createHostWorker(env.nativeConnection, env.namespace ?? 'default', echoing, servers);
    started.push({ worker, run: worker.run(), ...(servers ? { stopServers: () => servers.stopAll() } : {}) });
  }
  return {
    stop: async () => {
      for (const { worker } of started) worker.shutdown();
      await Promise.allSettled(started.map(({ run }) => run));
      await Promise.allSettled(started.map(({ stopServers }) => stopServers?.()));
    },
  };
}
