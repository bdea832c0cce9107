import type { Readable } from 'node:stream';
import type { Store } from './store';

/** Placeholder until the GCS store lands (issue 5): every call says so. */
export class GcsStore implements Store {
  private fail(): never {
    throw new Error('gs:// storage is not implemented yet (issue 5); use a local storage root');
  }
  readBytes(): Promise<Buffer> { return this.fail(); }
  writeBytes(): Promise<void> { return this.fail(); }
  exists(): Promise<boolean> { return this.fail(); }
  list(): Promise<string[]> { return this.fail(); }
  remove(): Promise<void> { return this.fail(); }
  openReadStream(): Readable { return this.fail(); }
  uploadFile(): Promise<void> { return this.fail(); }
  downloadFile(): Promise<void> { return this.fail(); }
}
