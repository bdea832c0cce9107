import { existsSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { BadInputError } from '../core/errors';

/**
 * Where the Temporal service is and how to reach it, read by the SDK's own `@temporalio/envconfig`
 * (the same variables and `temporal.toml` profiles the `temporal` CLI reads), so one shell setup
 * serves both:
 *   TEMPORAL_ADDRESS    host:port of the frontend (Temporal Cloud: <ns>.<acct>.tmprl.cloud:7233)
 *   TEMPORAL_NAMESPACE  default "default"
 *   TEMPORAL_API_KEY    Temporal Cloud API key (turns TLS on)
 *   TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY   paths of the mTLS client certificate and key
 *     (also accepted under the CLI's names TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH)
 *   TEMPORAL_TLS_CA     path of the server's CA certificate (or TEMPORAL_TLS_SERVER_CA_CERT_PATH)
 *   TEMPORAL_TLS_SERVER_NAME  TLS server name override
 *   TEMPORAL_TLS=true   TLS without client certificates
 *   TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE  a profile of the CLI's config file; variables override it
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | true;
  apiKey?: string;
  /** gRPC headers (TEMPORAL_GRPC_META_* or the profile's grpc_meta). */
  metadata?: Record<string, string>;
}

type Env = Record<string, string | undefined>;

/** A connection setting in the environment is wrong (a certificate without its key, a missing file). */
export class ConnectionSettingsError extends BadInputError {
  override readonly name = 'ConnectionSettingsError';
}

/** The short names this project documents, and the SDK's names they stand for (the short one wins). */
const ALIASES: Array<[short: string, sdk: string]> = [
  ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
  ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
  ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'],
];

/**
 * The cluster named by TEMPORAL_ADDRESS (or the chosen profile's address), or undefined when none is
 * set: then `star run` starts a dev server.
 */
export function temporalTargetFromEnv(env: Env = process.env): TemporalTarget | undefined {
  const vars = sdkEnv(env);
  checkCertificateFiles(vars, env);
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: vars });
  const address = connectionOptions.address?.trim();
  if (!address) return undefined;
  const target: TemporalTarget = { address, namespace: namespace?.trim() || 'default' };
  const tls = tlsOf(connectionOptions.tls);
  if (tls !== undefined) target.tls = tls;
  if (connectionOptions.apiKey) target.apiKey = connectionOptions.apiKey;
  // envconfig builds the headers from text (variables, TOML), so every value is a string.
  const metadata = Object.entries(connectionOptions.metadata ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  if (metadata.length > 0) target.metadata = Object.fromEntries(metadata);
  return target;
}

/** Like temporalTargetFromEnv, for commands that cannot start a server of their own. */
export function requireTemporalTarget(env: Env = process.env): TemporalTarget {
  const target = temporalTargetFromEnv(env);
  if (target) return target;
  throw new ConnectionSettingsError(
    'TEMPORAL_ADDRESS is not set. Point it at your Temporal service (e.g. TEMPORAL_ADDRESS=127.0.0.1:7233), ' +
      'or use `star run`, which starts a local dev server for you.',
  );
}

/** The workers' target: the configured cluster, else a dev server on localhost:7233. */
export function workerTargetFromEnv(env: Env = process.env): TemporalTarget {
  return temporalTargetFromEnv(env) ?? { address: 'localhost:7233', namespace: env.TEMPORAL_NAMESPACE?.trim() || 'default' };
}

/**
 * The environment as envconfig reads it: empty values dropped (an empty TEMPORAL_ADDRESS means
 * none), the short certificate names mapped to the SDK's, and TEMPORAL_TLS on for 1/true/yes only.
 */
function sdkEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '')
      out[name] = name === 'TEMPORAL_API_KEY' || name === 'TEMPORAL_ADDRESS' ? value.trim() : value;
  }
  for (const [short, sdk] of ALIASES) if (out[short]) out[sdk] = out[short];
  // envconfig would read any other value as "TLS off", even with an API key; here it means "not set".
  if (out.TEMPORAL_TLS !== undefined) {
    if (/^(1|true|yes)$/i.test(out.TEMPORAL_TLS)) out.TEMPORAL_TLS = 'true';
    else delete out.TEMPORAL_TLS;
  }
  return out;
}

/** Fails before connecting, naming the variable, where envconfig would fail with a bare ENOENT or connect without a key. */
function checkCertificateFiles(vars: Record<string, string>, env: Env): void {
  const named = (short: string, sdk: string) => (env[short]?.trim() ? short : sdk);
  const cert = vars.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = vars.TEMPORAL_TLS_CLIENT_KEY_PATH;
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConnectionSettingsError(
      'mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (paths of the client certificate and its key); only one is set.',
    );
  }
  for (const [short, sdk] of ALIASES) {
    const path = vars[sdk];
    if (path && !existsSync(path)) throw new ConnectionSettingsError(`${named(short, sdk)}=${path}: no such file`);
  }
}

/** envconfig's TLS settings as the target keeps them: `true` for TLS with nothing to configure. */
function tlsOf(tls: TLSConfig | boolean | null | undefined): TLSConfig | true | undefined {
  if (!tls) return undefined;
  if (tls === true) return true;
  const set: TLSConfig = {};
  if (tls.serverNameOverride) set.serverNameOverride = tls.serverNameOverride;
  if (tls.serverRootCACertificate) set.serverRootCACertificate = asBuffer(tls.serverRootCACertificate);
  if (tls.clientCertPair) set.clientCertPair = { crt: asBuffer(tls.clientCertPair.crt), key: asBuffer(tls.clientCertPair.key) };
  return Object.keys(set).length > 0 ? set : true;
}

// envconfig reads files as Uint8Array; the client options expect Buffers.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** No Temporal server answered at the configured address: the address is wrong or the server is down. */
export class TemporalUnreachableError extends BadInputError {
  override readonly name = 'TemporalUnreachableError';
  constructor(target: TemporalTarget, cause: unknown) {
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0].trim().slice(0, 200);
    super(
      `cannot reach the Temporal server at ${describeTarget(target)}: ${reason}. Check TEMPORAL_ADDRESS (host:port of the frontend) ` +
        'and that a server is running there; for a local one run `npx star server start`, or unset TEMPORAL_ADDRESS and let `star run` start it.',
    );
  }
}

/** A client for starting, querying and signalling workflows. Close `client.connection` when done. */
export async function connectClient(target: TemporalTarget): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey, metadata: target.metadata });
  } catch (err) {
    throw new TemporalUnreachableError(target, err);
  }
  return new Client({ connection, namespace: target.namespace });
}

/** The connection a worker polls on. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey, metadata: target.metadata });
  } catch (err) {
    throw new TemporalUnreachableError(target, err);
  }
}

/** A one-line description for logs; never prints the API key. */
export function describeTarget(target: TemporalTarget): string {
  const security = target.apiKey ? ', API key' : target.tls ? ', TLS' : '';
  return `${target.address} (namespace ${target.namespace}${security})`;
}
