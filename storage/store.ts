import type { Readable } from 'node:stream';
import { BadInputError } from '../core/errors';

/**
 * Storage every worker shares, addressed by URI: `file:///abs/path` (or a plain path) on one machine,
 * `gs://bucket/prefix` across machines. All implementations keep the same guarantees:
 * - a reader never sees a half-written object (writes go to a temporary name, then are renamed or
 *   committed in one step);
 * - a missing object raises `StorageNotFoundError` naming the URI;
 * - `list` returns full URIs, sorted, of the objects under a prefix (recursively).
 */
export interface Store {
  readBytes(uri: string): Promise<Buffer>;
  writeBytes(uri: string, data: Buffer | Uint8Array | string): Promise<void>;
  exists(uri: string): Promise<boolean>;
  list(prefixUri: string): Promise<string[]>;
  remove(uri: string): Promise<void>;
  /** Streams a large object without holding it in memory. */
  openReadStream(uri: string): Readable;
  /** Uploads a local file (large checkpoints) atomically. */
  uploadFile(localPath: string, uri: string): Promise<void>;
  /** Downloads an object to a local file (written atomically). */
  downloadFile(uri: string, localPath: string): Promise<void>;
}

export class StorageNotFoundError extends BadInputError {
  override readonly name = 'StorageNotFoundError';
  constructor(readonly uri: string) {
    super(`${uri} does not exist; check the path, or that the step that writes it has run`);
  }
}

export class StorageAccessError extends BadInputError {
  override readonly name = 'StorageAccessError';
  constructor(
    readonly uri: string,
    detail: string,
  ) {
    super(`cannot access ${uri}: ${detail}`);
  }
}
