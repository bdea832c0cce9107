import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `gs://…`, `file://…`, or a plain local path. */
export type Scheme = 'gs' | 'file';

export function schemeOf(uri: string): Scheme {
  if (uri.startsWith('gs://')) return 'gs';
  if (uri.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return 'file';
  throw new Error(`unsupported storage URI ${uri}: use gs://bucket/prefix, file:///absolute/path or a local path`);
}

export { joinUri } from '../contracts/uri';

export function localPathOf(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (schemeOf(uri) !== 'file') throw new Error(`${uri} is not a local path`);
  return isAbsolute(uri) ? uri : resolve(uri);
}

/** Normalises a user-given storage root: plain paths become absolute `file://` URIs. */
export function normaliseRoot(uri: string): string {
  if (schemeOf(uri) === 'gs') return uri.replace(/\/+$/, '');
  return pathToFileURL(localPathOf(uri)).href.replace(/\/+$/, '');
}
