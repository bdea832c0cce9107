import { existsSync, readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { UsageError } from './errors';

/**
 * Where the Temporal service is and how to reach it, read from the same environment variables the
 * `temporal` CLI reads, so one shell setup serves both:
 *   TEMPORAL_ADDRESS    host:port of the frontend (Temporal Cloud: <ns>.<acct>.tmprl.cloud:7233)
 *   TEMPORAL_NAMESPACE  default "default"
 *   TEMPORAL_API_KEY    Temporal Cloud API key (turns TLS on)
 *   TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY   paths of the mTLS client certificate and key
 *     (also accepted under the CLI's names TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH)
 *   TEMPORAL_TLS_CA     path of the server's CA certificate (or TEMPORAL_TLS_SERVER_CA_CERT_PATH)
 *   TEMPORAL_TLS_SERVER_NAME  TLS server name override
 *   TEMPORAL_TLS=true   TLS without client certificates
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

type Env = Record<string, string | undefined>;

/** The cluster named by TEMPORAL_ADDRESS, or undefined when it is not set (then `star run` starts a dev server). */
export function temporalTargetFromEnv(env: Env = process.env): TemporalTarget | undefined {
  const address = env.TEMPORAL_ADDRESS?.trim();
  if (!address) return undefined;
  return { address, namespace: namespaceFromEnv(env), ...tlsFromEnv(env) };
}

/** Like temporalTargetFromEnv, for commands that cannot start a server of their own. */
export function requireTemporalTarget(env: Env = process.env): TemporalTarget {
  const target = temporalTargetFromEnv(env);
  if (target) return target;
  throw new UsageError(
    'TEMPORAL_ADDRESS is not set. Point it at your Temporal service (e.g. TEMPORAL_ADDRESS=127.0.0.1:7233), ' +
      'or use `star run`, which starts a local dev server for you.',
  );
}

export function namespaceFromEnv(env: Env = process.env): string {
  return env.TEMPORAL_NAMESPACE?.trim() || 'default';
}

function tlsFromEnv(env: Env): Pick<TemporalTarget, 'tls' | 'apiKey'> {
  const certPath = env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_KEY || env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  const apiKey = env.TEMPORAL_API_KEY?.trim() || undefined;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new UsageError('mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (paths of the client certificate and its key); only one is set.');
  }
  const tls: TLSConfig = {};
  if (certPath && keyPath) tls.clientCertPair = { crt: readPem(certPath, 'TEMPORAL_TLS_CERT'), key: readPem(keyPath, 'TEMPORAL_TLS_KEY') };
  if (caPath) tls.serverRootCACertificate = readPem(caPath, 'TEMPORAL_TLS_CA');
  if (serverName) tls.serverNameOverride = serverName;
  const wantsTls = Object.keys(tls).length > 0 || apiKey !== undefined || /^(1|true|yes)$/i.test(env.TEMPORAL_TLS ?? '');
  if (!wantsTls) return {};
  return { tls: Object.keys(tls).length > 0 ? tls : true, apiKey };
}

function readPem(path: string, variable: string): Buffer {
  if (!existsSync(path)) throw new UsageError(`${variable}=${path}: no such file`);
  return readFileSync(path);
}

/** A client for starting, querying and signalling workflows. Close `client.connection` when done. */
export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey });
  return new Client({ connection, namespace: target.namespace });
}

/** The connection a worker polls on. */
export function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey });
}

/** A one-line description for logs; never prints the API key. */
export function describeTarget(target: TemporalTarget): string {
  const security = target.apiKey ? ', API key' : target.tls ? ', TLS' : '';
  return `${target.address} (namespace ${target.namespace}${security})`;
}
