/**
 * The inference server's command (`serveCommandTemplate`), e.g.
 * `vllm serve {checkpoint} --port {port} --host {host}` or `npx star serve --checkpoint {checkpoint}
 * --port {port} --host {host}`: an argument vector, never a shell, like the trainer's command.
 */
import { CommandTemplateError, expandTemplate } from './command-template';

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
  if (!template.includes('{port}')) return `serve command template ${JSON.stringify(template)} has no {port}: the server must listen on the port the host picks`;
  return undefined;
}
