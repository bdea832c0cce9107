import { StorageAccessError } from './store';
import { schemeOf } from './uri';

/**
 * Checks once, before an experiment starts, that its storage root can be reached: for gs://, that the
 * bucket answers with the credentials this process has. The steps themselves retry storage errors
 * (several attempts of the client library's own retries: minutes), which is right for a blip in a
 * long run but leaves a person staring at "preparing 0:00" when the bucket or the network is wrong
 * from the start. Here there are no retries, and no answer within `timeoutMs` is an error too.
 */
export async function checkStorageReachable(rootUri: string, timeoutMs = 15_000): Promise<void> {
  if (schemeOf(rootUri) !== 'gs') return;
  // Loaded here, so local runs never load the GCS client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GcsStore } = require('./gcs-store') as typeof import('./gcs-store');
  const store = new GcsStore({ clientOptions: { retryOptions: { autoRetry: false } } });
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageAccessError(rootUri, `no answer within ${timeoutMs / 1000} s; check the network (or STORAGE_EMULATOR_HOST) and that the bucket exists`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([store.exists(rootUri), noAnswer]);
  } catch (err) {
    if (err instanceof StorageAccessError) throw err;
    throw new StorageAccessError(rootUri, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
