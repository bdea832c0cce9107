/**
 * What a shard asks its host for under `serveLoraAdapters`: the server of the base model (one start
 * for the whole experiment), and for an iteration's model its LoRA adapter, named
 * `{experiment}_{iteration}`, loaded from the iteration's checkpoint folder. Iteration 0 is the base
 * itself, with no adapter.
 */
import type { ExperimentOptions } from '../contracts/experiment-input';
import type { LoraAdapter } from '../host/lora-adapters';
import { servedCheckpoint } from '../host/served-checkpoint';

/**
 * An unused server stays up this long: long enough to outlast an iteration's training between two
 * passes, so the experiment keeps one start; past it, the next shard starts the server again and
 * loads what it needs.
 */
const ADAPTER_SERVER_LINGER_MS = 60 * 60_000;

interface LoraServing {
  /** The checkpoint the server is started on: the base model. */
  serverCheckpointUri: string;
  /** Absent for the base model (iteration 0). */
  adapter?: LoraAdapter;
  /** The server's log goes here, one for the experiment, as the server outlives the passes. */
  logDir: string;
  lingerMs: number;
}

function loraAdapterName(experiment: string, iteration: number): string {
  return `${experiment}_${iteration}`;
}

/** `checkpointUri`: the model that samples (iteration `modelIteration`'s, or the base for 0); `passDir`: the pass's folder. */
export function loraServing(
  options: Pick<ExperimentOptions, 'experiment' | 'baseModelLocation'>,
  modelIteration: number,
  checkpointUri: string,
  passDir: string,
): LoraServing {
  return {
    serverCheckpointUri: options.baseModelLocation,
    adapter:
      modelIteration === 0
        ? undefined
        : { name: loraAdapterName(options.experiment, modelIteration), path: servedCheckpoint(checkpointUri) },
    logDir: experimentDirOf(passDir),
    lingerMs: ADAPTER_SERVER_LINGER_MS,
  };
}

/** `{root}/{exp}/iterations/{i}/{pass}` → `{root}/{exp}` (contracts/layout.ts); any other folder is kept. */
function experimentDirOf(passDir: string): string {
  return passDir.replace(/\/iterations\/\d+\/[^/]+\/?$/, '');
}

/**
 * How the base trainer config's `lora` (python/star_trainer/config.py) fits serveLoraAdapters, checked
 * when the experiment is prepared: the servers load adapters only if the trainer leaves them unmerged,
 * and a server started per checkpoint cannot load an adapter folder as its model.
 */
export function loraSavingProblem(
  options: Pick<ExperimentOptions, 'serveLoraAdapters' | 'serveCommandTemplate' | 'baseConfig'>,
  baseConfig: Record<string, unknown>,
): string | undefined {
  const lora = baseConfig.lora;
  const savesAdapters = typeof lora === 'object' && lora !== null && (lora as { save?: unknown }).save === 'adapter';
  if (options.serveLoraAdapters && !savesAdapters) {
    return (
      `serveLoraAdapters loads each iteration's LoRA adapter into the base model's server, but baseConfig ${options.baseConfig} does not save ` +
      `adapters ("lora": ${JSON.stringify(lora ?? null)}): set "lora": {"r": 8, "alpha": 16, "save": "adapter"} in it (the Hugging Face trainer, docs/trainers.md), or drop serveLoraAdapters`
    );
  }
  if (!options.serveLoraAdapters && options.serveCommandTemplate !== undefined && savesAdapters) {
    return (
      `baseConfig ${options.baseConfig} saves LoRA adapters unmerged ("save": "adapter"), which a server started per checkpoint cannot load as its model: ` +
      'set serveLoraAdapters to true (one server on the base, each adapter loaded at run time), or "save": "merged"'
    );
  }
  return undefined;
}
