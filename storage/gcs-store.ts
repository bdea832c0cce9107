import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { File, GetFilesOptions, Storage, StorageOptions } from '@google-cloud/storage';
import { createGcsClient } from './gcs-client';
import { translateGcsError, httpStatusOf } from './gcs-errors';
import { folderPrefix, gsUri, parseGsObjectUri, parseGsUri } from './gcs-uri';
import { StorageNotFoundError, type Store } from './store';

export interface GcsStoreOptions {
  /** A ready client (custom credentials). Default: one built on first use from the environment. */
  storage?: Storage;
  /** Options for the client built on first use (e.g. retryOptions); ignored when `storage` is given. */
  clientOptions?: StorageOptions;
  /** Emulator address; default STORAGE_EMULATOR_HOST as it is when the store is first used. */
  emulatorHost?: string;
  /** Uploads at least this large use a resumable session (chunks retried on their own). Default 8 MiB. */
  resumableThresholdBytes?: number;
  /** Objects per list request. Default 1000 (the API's maximum). */
  listPageSize?: number;
}

const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
const DELETE_CONCURRENCY = 16;

/**
 * `gs://bucket/name` storage with the guarantees of the local store:
 *
 * - Atomic objects: Cloud Storage makes an upload (single-request or resumable) visible only once it is
 *   complete, and a read is served from one generation, so readers see the old or the new value, never a
 *   mix. There is no temporary name to clean up.
 * - Writes carry a generation precondition: we read the object's current generation (0 when absent) and
 *   upload with `ifGenerationMatch`. That makes every upload idempotent, so the client library retries it
 *   on transient errors (it does not retry unconditioned uploads), and a retry can never overwrite a newer
 *   value written by someone else. If the precondition fails (HTTP 412), another writer committed a
 *   complete value between our read and our upload; our write is then ordered just before theirs, so it
 *   counts as done and their value stays (one complete value wins, as with the local store's renames).
 * - Folder semantics like a local directory: `list(gs://b/runs/x)` returns every object under
 *   `runs/x/` (recursively, sorted, full URIs), never `runs/x2/...`; `exists` is true for an object or
 *   for a "folder" with objects under it; `remove` deletes an object and everything under it.
 * - Errors: missing object -> StorageNotFoundError(uri); missing bucket -> StorageBucketNotFoundError;
 *   401/403 or unusable credentials -> StorageAccessError telling the user to check ADC. Transient errors
 *   (408, 429, 5xx, connection resets) are retried by the client library; everything else fails at once.
 */
export class GcsStore implements Store {
  private client: Storage | undefined;
  private emulatorHost: string | undefined;
  private readonly resumableThreshold: number;
  private readonly listPageSize: number;

  constructor(private readonly options: GcsStoreOptions = {}) {
    this.client = options.storage;
    this.resumableThreshold = options.resumableThresholdBytes ?? DEFAULT_RESUMABLE_THRESHOLD;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  /** Built lazily, so the environment (STORAGE_EMULATOR_HOST) is read when gs:// is first used. */
  private storage(): Storage {
    if (!this.client) {
      this.emulatorHost = this.options.emulatorHost ?? (process.env.STORAGE_EMULATOR_HOST || undefined);
      this.client = createGcsClient(this.emulatorHost, this.options.clientOptions);
    }
    return this.client;
  }

  private file(uri: string): { file: File; bucket: string; name: string } {
    const { bucket, name } = parseGsObjectUri(uri);
    return { file: this.storage().bucket(bucket).file(name), bucket, name };
  }

  private async fail(err: unknown, uri: string, bucket: string): Promise<never> {
    throw await translateGcsError(
      err,
      uri,
      bucket,
      async () => {
        try {
          return (await this.storage().bucket(bucket).exists())[0];
        } catch {
          return true; // may not see bucket metadata (object-only roles): assume the bucket is there
        }
      },
      this.emulatorHost,
    );
  }

  async readBytes(uri: string): Promise<Buffer> {
    const { file, bucket } = this.file(uri);
    try {
      return (await file.download())[0];
    } catch (err) {
      return this.fail(err, uri, bucket);
    }
  }

  async writeBytes(uri: string, data: Buffer | Uint8Array | string): Promise<void> {
    const { file, bucket } = this.file(uri);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.conditionalWrite(file, uri, bucket, (ifGenerationMatch) =>
      file.save(body, {
        resumable: body.length >= this.resumableThreshold,
        contentType: 'application/octet-stream',
        preconditionOpts: { ifGenerationMatch },
      }),
    );
  }

  async uploadFile(localPath: string, uri: string): Promise<void> {
    const { file, bucket, name } = this.file(uri);
    let size: number;
    try {
      size = (await stat(localPath)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageNotFoundError(localPath);
      throw err;
    }
    await this.conditionalWrite(file, uri, bucket, (ifGenerationMatch) =>
      this.storage()
        .bucket(bucket)
        .upload(localPath, {
          destination: name,
          resumable: size >= this.resumableThreshold,
          contentType: 'application/octet-stream',
          preconditionOpts: { ifGenerationMatch },
        }),
    );
  }

  /** See the class comment: upload only over the generation we saw; a 412 means a newer complete value. */
  private async conditionalWrite(
    file: File,
    uri: string,
    bucket: string,
    upload: (ifGenerationMatch: string | number) => Promise<unknown>,
  ): Promise<void> {
    let generation: string | number = 0;
    try {
      generation = (await file.getMetadata())[0].generation ?? 0;
    } catch (err) {
      // 404: no object yet (or no bucket: the upload below then fails and says which).
      if (httpStatusOf(err) !== 404) await this.fail(err, uri, bucket);
    }
    try {
      await upload(generation);
    } catch (err) {
      if (httpStatusOf(err) === 412) return;
      await this.fail(err, uri, bucket);
    }
  }

  async exists(uri: string): Promise<boolean> {
    const { bucket, name } = parseGsUri(uri);
    try {
      if (name && !name.endsWith('/')) {
        const [found] = await this.storage().bucket(bucket).file(name).exists();
        if (found) return true;
      }
      // A folder exists when something is under it (the bucket root always exists; a missing bucket throws).
      const [files] = await this.storage()
        .bucket(bucket)
        .getFiles({ prefix: folderPrefix(name), maxResults: 1, autoPaginate: false });
      return name === '' || files.length > 0;
    } catch (err) {
      return this.fail(err, uri, bucket);
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const { bucket, name } = parseGsUri(prefixUri);
    return (await this.objectsUnder(prefixUri, bucket, folderPrefix(name)))
      .map((object) => object.name)
      .filter((objectName) => !objectName.endsWith('/')) // zero-byte "folder" placeholders, not objects
      .map((objectName) => gsUri(bucket, objectName))
      .sort();
  }

  /** Every object whose name starts with `prefix`, following page tokens. */
  private async objectsUnder(uri: string, bucket: string, prefix: string): Promise<{ name: string; generation: string | number }[]> {
    const out: { name: string; generation: string | number }[] = [];
    let query: GetFilesOptions | undefined = { prefix, autoPaginate: false, maxResults: this.listPageSize };
    try {
      while (query) {
        const [files, next]: [File[], GetFilesOptions | undefined, unknown] = await this.storage().bucket(bucket).getFiles(query);
        for (const file of files) out.push({ name: file.name, generation: file.metadata.generation ?? 0 });
        query = next?.pageToken ? { ...query, pageToken: next.pageToken } : undefined;
      }
    } catch (err) {
      return this.fail(err, uri, bucket);
    }
    return out;
  }

  /**
   * Deletes the object and everything under it as a folder, like `rm -rf`; a missing URI is fine. Each
   * delete is conditioned on the generation we saw, so it is retried safely and never deletes a value
   * written after we looked. Removing a whole bucket is refused: on shared storage that is never a
   * step of a run, always a mistake.
   */
  async remove(uri: string): Promise<void> {
    const { bucket, name } = parseGsUri(uri);
    if (!folderPrefix(name)) {
      throw new Error(`refusing to remove every object in gs://${bucket}; remove a path inside the bucket (gs://${bucket}/prefix)`);
    }
    const targets = await this.objectsUnder(uri, bucket, folderPrefix(name));
    if (!name.endsWith('/')) {
      try {
        const [metadata] = await this.storage().bucket(bucket).file(name).getMetadata();
        targets.push({ name, generation: metadata.generation ?? 0 });
      } catch (err) {
        if (httpStatusOf(err) !== 404) await this.fail(err, uri, bucket);
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const target = targets[next++];
        try {
          await this.storage().bucket(bucket).file(target.name).delete({ ifGenerationMatch: target.generation });
        } catch (err) {
          // 404: already gone; 412: rewritten after we listed it, so that newer value stays.
          const status = httpStatusOf(err);
          if (status !== 404 && status !== 412) await this.fail(err, gsUri(bucket, target.name), bucket);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, targets.length) }, worker));
  }

  /**
   * Streams the object (one generation, validated against its checksum at the end). Errors arrive as
   * 'error' events, translated like the other calls (a missing object is a StorageNotFoundError).
   */
  openReadStream(uri: string): Readable {
    const { file, bucket } = this.file(uri);
    const out = new PassThrough();
    const source = file.createReadStream();
    source.on('error', (err) => {
      if (out.destroyed) return; // the consumer already stopped reading
      this.fail(err, uri, bucket).catch((translated: Error) => out.destroy(translated));
    });
    // A consumer that stops early (destroys `out`) must not leave the download running.
    out.on('close', () => source.destroy());
    source.pipe(out);
    return out;
  }

  async downloadFile(uri: string, localPath: string): Promise<void> {
    const { file, bucket } = this.file(uri);
    // Same directory as the target, so the final rename is atomic.
    const tmp = join(dirname(localPath), `.${randomBytes(6).toString('hex')}.partial`);
    await mkdir(dirname(localPath), { recursive: true });
    try {
      await file.download({ destination: tmp });
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      await this.fail(err, uri, bucket);
    }
    try {
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err; // a local filesystem error: it names the local path
    }
  }
}
