import { StorageAccessError, StorageNotFoundError } from './store';

/**
 * The bucket of a gs:// URI does not exist. A kind of StorageAccessError (nothing under that URI can be
 * read or written until someone creates the bucket), deliberately not a StorageNotFoundError: code that
 * treats "object not found" as "not computed yet" must not carry on against a bucket that is not there.
 */
export class StorageBucketNotFoundError extends StorageAccessError {
  constructor(
    readonly bucket: string,
    uri: string,
    emulatorHost?: string,
  ) {
    super(
      uri,
      emulatorHost
        ? `bucket ${bucket} does not exist on the GCS emulator at STORAGE_EMULATOR_HOST=${emulatorHost}; ` +
            `create it there first (POST ${emulatorHost.replace(/\/+$/, '')}/storage/v1/b with {"name":"${bucket}"})`
        : `bucket ${bucket} does not exist; create it (gcloud storage buckets create gs://${bucket} --location=REGION) ` +
            'or fix the storage URI in the experiment config',
    );
  }
}

/** The HTTP status of an error from @google-cloud/storage (ApiError) or its upload path (GaxiosError). */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } } | null;
  for (const candidate of [e?.code, e?.response?.status, e?.status]) {
    const n = typeof candidate === 'string' && /^\d{3}$/.test(candidate) ? Number(candidate) : candidate;
    if (typeof n === 'number' && n >= 100 && n < 600) return n;
  }
  return undefined;
}

// google-auth-library's messages when it has no usable credentials or they are rejected while refreshing.
const CREDENTIAL_PROBLEM =
  /default credentials|invalid_grant|invalid_client|unauthorized_client|refresh access token|GOOGLE_APPLICATION_CREDENTIALS/i;

const CHECK_CREDENTIALS =
  'check the credentials this process runs with: Application Default Credentials ' +
  '(`gcloud auth application-default login`, or GOOGLE_APPLICATION_CREDENTIALS naming a service-account ' +
  'key file, or the VM/TPU service account) and that this principal has Storage Object Admin on the bucket';

/** One line of the error, never request details (headers carry the access token). */
function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim().slice(0, 300);
}

/**
 * What a failed Cloud Storage call means for the caller. 404s need `bucketExists` to tell a missing
 * object from a missing bucket, because the server's 404 body does not reliably say which (the emulator
 * says only "Not Found"). The returned errors carry no `cause`: the library's errors hold the request,
 * including the Authorization header, and a logger that prints causes must never see it.
 */
export async function translateGcsError(
  err: unknown,
  uri: string,
  bucket: string,
  bucketExists: () => Promise<boolean>,
  emulatorHost?: string,
): Promise<Error> {
  if (err instanceof StorageAccessError || err instanceof StorageNotFoundError) return err;
  // A local filesystem error (downloadFile's target): it names the local path already.
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).path === 'string') return err;
  const status = httpStatusOf(err);
  const message = messageOf(err);
  if (status === 404) {
    return (await bucketExists()) ? new StorageNotFoundError(uri) : new StorageBucketNotFoundError(bucket, uri, emulatorHost);
  }
  if (status === 401 || status === 403) {
    return new StorageAccessError(uri, `permission denied (HTTP ${status}: ${message}); ${CHECK_CREDENTIALS}`);
  }
  if (status === undefined && CREDENTIAL_PROBLEM.test(message)) {
    return new StorageAccessError(uri, `no usable Google credentials (${message}); ${CHECK_CREDENTIALS}`);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (status === undefined && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const where = emulatorHost ? `the GCS emulator at STORAGE_EMULATOR_HOST=${emulatorHost} (is it running?)` : 'Cloud Storage';
    return new Error(`cannot reach ${where} for ${uri}: ${code}: ${message}`);
  }
  const detail = status === undefined ? message : `HTTP ${status}: ${message}`;
  const error = new Error(`Cloud Storage request for ${uri} failed: ${detail}`);
  return Object.assign(error, { status });
}
