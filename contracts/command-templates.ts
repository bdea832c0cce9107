/**
 * The two command templates of an experiment and what each may name: the host's training command
 * (`commandTemplate`, e.g. `python3 device_train.py --config {config} --tune-model-path={base_model}`)
 * and the inference server's (`serveCommandTemplate`, e.g. `vllm serve {checkpoint} --port {port}`).
 * The input schema checks them as the input is read; the host expands them with the same code.
 */
import { CommandTemplateError, expandTemplate, templatePlaceholders } from '../core/command-line';

/** What a template may name. URIs of local files are given as plain paths (trainers take paths). */
export interface CommandValues {
  config: string;
  base_model: string;
  model_dir: string;
  /** The iteration's records index as copied into the working directory: `{workdir}/data/{train_set}`. */
  train_index: string;
  total_steps: number;
  iteration: number;
  host: string;
  host_index: number;
  host_count: number;
  /**
   * The multi-node rendezvous: host 0's address and a port on it that every host's launcher (torchrun
   * `--master_addr`/`--master_port`) meets at. Absent when the template names neither.
   */
  master_addr?: string;
  master_port?: number;
  /** Processes each host starts (the experiment option nprocPerNode); absent when the template does not name it. */
  nproc_per_node?: number;
}

export const PLACEHOLDERS: readonly (keyof CommandValues)[] = [
  'config',
  'base_model',
  'model_dir',
  'train_index',
  'total_steps',
  'iteration',
  'host',
  'host_index',
  'host_count',
  'master_addr',
  'master_port',
  'nproc_per_node',
];

/** The placeholders that make the hosts one distributed job, meeting at host 0's address and port. */
const RENDEZVOUS_PLACEHOLDERS = ['master_addr', 'master_port'] as const;

/**
 * Whether the training command meets at a rendezvous (`{master_addr}` or `{master_port}`): then the
 * hosts run one job, host 0 (or the experiment option `rendezvous`) gives the endpoint, and a host
 * that fails fails every host's attempt.
 */
export function usesRendezvous(template: string): boolean {
  const used = templatePlaceholders(template);
  return RENDEZVOUS_PLACEHOLDERS.some((name) => used.includes(name));
}

export function usesNprocPerNode(template: string): boolean {
  return templatePlaceholders(template).includes('nproc_per_node');
}

/** The argument vector of `template` with every `{name}` replaced by its value, word by word. */
export function expandCommand(template: string, values: CommandValues): string[] {
  const unset = templatePlaceholders(template).find(
    (name) => PLACEHOLDERS.includes(name as keyof CommandValues) && values[name as keyof CommandValues] === undefined,
  );
  if (unset) {
    throw new CommandTemplateError(
      `command template ${JSON.stringify(template)} names {${unset}}, which has no value for this command; ` +
        '{master_addr} and {master_port} come from the rendezvous the workflow publishes, {nproc_per_node} from the experiment option nprocPerNode',
    );
  }
  return expandTemplate(template, values as Required<CommandValues>, PLACEHOLDERS);
}

/**
 * Checks a template as the input is read (shell syntax, quotes, placeholder names), so a bad one is
 * refused by `star plan` and before any step runs rather than at training time.
 */
export function checkCommandTemplate(template: string): void {
  const sample = Object.fromEntries(PLACEHOLDERS.map((name) => [name, name])) as unknown as CommandValues;
  expandCommand(template, sample);
}

export interface ServeValues {
  /** The checkpoint to serve (a plain path for local files). */
  checkpoint: string;
  /** A free port the host picked. */
  port: number;
  /** The address to listen on (127.0.0.1: the host's own shards are the only clients). */
  host: string;
}

export const SERVE_PLACEHOLDERS = ['checkpoint', 'port', 'host'] as const;

export function expandServeCommand(template: string, values: ServeValues): string[] {
  return expandTemplate(template, values, SERVE_PLACEHOLDERS);
}

/** Why `template` cannot run (an unknown placeholder, shell syntax, no {port}), or undefined. */
export function serveTemplateProblem(template: string): string | undefined {
  try {
    expandServeCommand(template, { checkpoint: '/c', port: 1, host: '127.0.0.1' });
  } catch (err) {
    if (err instanceof CommandTemplateError) return err.message;
    throw err;
  }
  if (!template.includes('{port}'))
    return `serve command template ${JSON.stringify(template)} has no {port}: the server must listen on the port the host picks`;
  return undefined;
}
