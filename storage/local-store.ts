import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StorageAccessError, StorageNotFoundError, type Store } from './store';
import { localPathOf } from './uri';

function rethrow(uri: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new StorageNotFoundError(uri);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' || code === 'ENOTDIR') {
    throw new StorageAccessError(uri, `${code}: ${(err as Error).message}`);
  }
  throw err;
}

/** Temporary sibling name: same directory, so the final rename is atomic. */
function tempPath(path: string): string {
  return join(dirname(path), `.${randomBytes(6).toString('hex')}.partial`);
}

export class LocalStore implements Store {
  async readBytes(uri: string): Promise<Buffer> {
    try {
      return await readFile(localPathOf(uri));
    } catch (err) {
      rethrow(uri, err);
    }
  }

  async writeBytes(uri: string, data: Buffer | Uint8Array | string): Promise<void> {
    const path = localPathOf(uri);
    const tmp = tempPath(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      rethrow(uri, err);
    }
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await stat(localPathOf(uri));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      rethrow(uri, err);
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const root = localPathOf(prefixUri);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        rethrow(prefixUri, err);
      }
      for (const entry of entries) {
        if (entry.name.endsWith('.partial')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else out.push(path);
      }
    };
    await walk(root);
    const scheme = prefixUri.startsWith('file://');
    return out.sort().map((p) => (scheme ? `file://${p}` : p));
  }

  async remove(uri: string): Promise<void> {
    try {
      await rm(localPathOf(uri), { recursive: true, force: true });
    } catch (err) {
      rethrow(uri, err);
    }
  }

  openReadStream(uri: string): Readable {
    return createReadStream(localPathOf(uri));
  }

  async uploadFile(localPath: string, uri: string): Promise<void> {
    const path = localPathOf(uri);
    const tmp = tempPath(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await copyFile(localPath, tmp);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      rethrow(uri, err);
    }
  }

  async downloadFile(uri: string, localPath: string): Promise<void> {
    const tmp = tempPath(localPath);
    try {
      await mkdir(dirname(localPath), { recursive: true });
      await copyFile(localPathOf(uri), tmp);
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      rethrow(uri, err);
    }
  }
}
