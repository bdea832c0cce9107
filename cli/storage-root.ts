import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentOptions } from '../contracts/experiment-input';
import { UsageError } from './errors';

/**
 * The storage root as the person typing it means it, made absolute here on the client: the workers
 * that write there run in other folders (or on other machines), and a shell does not expand `~`
 * inside `--set storageRoot=~/runs`. `gs://` roots and absolute `file:///` URLs pass unchanged.
 */
export function clientStorageRoot(root: string, cwd = process.cwd(), home = homedir()): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root) && !root.startsWith('file://')) return root;
  if (root.startsWith('file://')) {
    try {
      fileURLToPath(root);
    } catch (err) {
      throw new UsageError(
        `storageRoot ${root}: ${(err as Error).message}; a file URL names an absolute path, file:///absolute/path ` +
          '(or give a plain folder, which is read from the current folder). Nothing was started.',
      );
    }
    return root;
  }
  if (root === '~' || root.startsWith('~/')) return join(home, root.slice(1));
  if (root.startsWith('~')) {
    throw new UsageError(`storageRoot ${root}: ~user is not expanded (only ~ and ~/..., this user's home); give the folder's full path`);
  }
  return isAbsolute(root) ? root : resolve(cwd, root);
}

/** The options with their storage root resolved on this side (see clientStorageRoot). */
export function withClientStorageRoot<T extends Pick<ExperimentOptions, 'storageRoot'>>(options: T): T {
  return { ...options, storageRoot: clientStorageRoot(options.storageRoot) };
}
