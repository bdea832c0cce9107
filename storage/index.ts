import { LocalStore } from './local-store';
import { schemeOf } from './uri';
import type { Store } from './store';

export * from './store';
export * from './uri';

const local = new LocalStore();
let gcs: Store | undefined;

/** The store that serves a URI. `gs://` is loaded lazily so local runs never touch the GCS client. */
export function storeFor(uri: string): Store {
  if (schemeOf(uri) === 'file') return local;
  if (!gcs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { GcsStore } = require('./gcs-store') as typeof import('./gcs-store');
    gcs = new GcsStore();
  }
  return gcs;
}

export const readBytes = (uri: string) => storeFor(uri).readBytes(uri);
export const readText = async (uri: string) => (await storeFor(uri).readBytes(uri)).toString('utf8');
export const writeBytes = (uri: string, data: Buffer | Uint8Array | string) => storeFor(uri).writeBytes(uri, data);
export const readJson = async <T = unknown>(uri: string): Promise<T> => JSON.parse(await readText(uri)) as T;
export const writeJson = (uri: string, value: unknown) => writeBytes(uri, `${JSON.stringify(value, null, 2)}\n`);
export const exists = (uri: string) => storeFor(uri).exists(uri);
export const list = (prefixUri: string) => storeFor(prefixUri).list(prefixUri);
export const remove = (uri: string) => storeFor(uri).remove(uri);
