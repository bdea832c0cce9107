import { Storage, type StorageOptions } from '@google-cloud/storage';

/**
 * Turns a STORAGE_EMULATOR_HOST value into the emulator's origin. Accepts `host:port` (taken as plain
 * http, which is what local emulators serve), `http://host:port`, and either with a trailing `/` or
 * `/storage/v1`, so the value other Google clients use works here too.
 */
export function emulatorEndpoint(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `http://${value.trim()}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`STORAGE_EMULATOR_HOST=${value} is not a host:port or http://host:port address`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`STORAGE_EMULATOR_HOST=${value}: the emulator must be reached over http:// or https://`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * A Cloud Storage client. Without an emulator, credentials come from Application Default Credentials
 * only (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, or the metadata server
 * on GCE/GKE/TPU VMs); this code never reads, stores or prints them. With an emulator endpoint the client
 * sends no credentials at all (the library skips auth for custom endpoints).
 */
export function createGcsClient(emulatorHost: string | undefined, options: StorageOptions = {}): Storage {
  if (!emulatorHost) return new Storage(options);
  const endpoint = emulatorEndpoint(emulatorHost);
  const storage = new Storage({ ...options, apiEndpoint: endpoint });
  // @google-cloud/storage v7 uses STORAGE_EMULATOR_HOST verbatim as the JSON API base, so with the
  // usual `http://host:port` value object reads go to `/b/...` (404 on fake-gcs-server and on GCS
  // itself) while uploads go to `/upload/storage/v1/...` (a known bug of googleapis/nodejs-storage,
  // #1314). Setting the base here makes both work for any accepted spelling of the variable.
  storage.baseUrl = `${endpoint}/storage/v1`;
  return storage;
}
