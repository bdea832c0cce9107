import path from 'node:path';
import { CheckpointError, initBackend, loadModel, readManifest, shutdownComputePool } from '../model';
import { CompletionsServer } from '../serve/completions-server';
import { isLoopback } from '../serve/request-guard';
import { noPositionals, parseCommandArgs } from './args';
import { UsageError } from './errors';

const USAGE =
  'star serve [--checkpoint URI] [--port N] [--host 127.0.0.1] [--model-name NAME] [--api-key-env VAR | --no-api-key] [--log-requests]';
const DEFAULT_CHECKPOINT = path.join(__dirname, '..', 'pretrained', 'arithmetic-base');

const HELP = `usage: ${USAGE}

Serves an embedded checkpoint behind the OpenAI-compatible API: GET /v1/models and POST /v1/completions
(prompt lists, n, seed, stop, max_tokens, temperature, top_p), and POST /v1/chat/completions (the messages'
contents, joined by blank lines, are the prompt: the embedded models have no chat template). Prints "star serve: listening on URL" once
it answers; Ctrl-C stops it.

  --checkpoint URI    a step_N folder of the embedded model (default: pretrained/arithmetic-base)
  --port N            0 picks a free port, printed in the URL (default 8000)
  --host ADDR         address to listen on (default 127.0.0.1: this machine only)
  --model-name NAME   the model id requests name (default: star)
  --api-key-env VAR   require Authorization: Bearer $VAR on every request (needed off loopback, and for
                      requests from web pages: without a key, requests carrying Origin are refused)
  --no-api-key        serve a non-loopback --host without a key: anyone who reaches the port may use it
  --log-requests      print a line (to stderr) for every completion request as it arrives`;

function portFlag(value: string | undefined): number {
  if (value === undefined) return 8000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${value} must be a whole number from 0 to 65535 (0 picks a free port)\nusage: ${USAGE}`);
  return port;
}

/** The key named by --api-key-env, read from this shell's environment. */
function apiKeyFlag(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const key = process.env[variable];
  if (!key)
    throw new UsageError(
      `--api-key-env ${variable}: the variable is not set (or empty) here; export ${variable}=<key> and start star serve again`,
    );
  return key;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      checkpoint: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'model-name': { type: 'string' },
      'api-key-env': { type: 'string' },
      'no-api-key': { type: 'boolean' },
      'log-requests': { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  noPositionals(positionals, USAGE);
  const port = portFlag(values.port);
  const host = values.host ?? '127.0.0.1';
  const modelName = values['model-name'] ?? 'star';
  const checkpoint = values.checkpoint ?? DEFAULT_CHECKPOINT;
  const apiKey = apiKeyFlag(values['api-key-env']);
  if (apiKey !== undefined && values['no-api-key']) throw new UsageError(`give --api-key-env or --no-api-key, not both\nusage: ${USAGE}`);
  if (!isLoopback(host) && apiKey === undefined) {
    if (!values['no-api-key']) {
      throw new UsageError(
        `--host ${host} serves other machines: give --api-key-env VAR (clients send Authorization: Bearer <key>), ` +
          'or --no-api-key to serve anyone who reaches the port; the default --host 127.0.0.1 serves this machine only',
      );
    }
    console.error(`star serve: warning: serving ${host} without an API key; anyone who reaches port ${port} may use the model`);
  }
  try {
    await readManifest(checkpoint);
  } catch (err) {
    const problem =
      err instanceof CheckpointError ? `--checkpoint ${err.message}. Give a step_N folder of the embedded model.` : (err as Error).message;
    throw new UsageError(problem);
  }
  await initBackend((line) => console.error(line));
  const model = await loadModel(checkpoint);
  const server = new CompletionsServer({
    model,
    modelName,
    apiKey,
    onRequest: values['log-requests'] ? (line) => console.error(`star serve: ${line}`) : undefined,
  });
  let url: string;
  try {
    url = await server.listen(port, host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot listen on ${host}:${port} (${code ?? (err as Error).message})${code === 'EADDRINUSE' ? ': the port is taken; choose another --port, or 0 for a free one' : ''}`,
    );
  }
  console.log(`star serve: listening on ${url} (model "${modelName}", checkpoint ${checkpoint})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  model.dispose();
  await shutdownComputePool();
  return 0;
}
