/** `gs://bucket/object/name` split into its bucket and object name (which may be empty: the bucket root). */
export interface GsLocation {
  bucket: string;
  name: string;
}

// Cloud Storage bucket names: 3-63 characters per dot-separated part (222 with dots), lowercase letters,
// digits, dashes, underscores and dots, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export function parseGsUri(uri: string): GsLocation {
  if (!uri.startsWith('gs://')) throw new Error(`${uri} is not a gs:// URI; expected gs://bucket/path`);
  const rest = uri.slice('gs://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const name = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket)) {
    throw new Error(
      `invalid bucket name "${bucket}" in ${uri}: a bucket name has 3-63 lowercase letters, digits, dashes, ` +
        'underscores or dots and starts and ends with a letter or digit (gs://bucket/path)',
    );
  }
  return { bucket, name };
}

/** Like parseGsUri, for operations on one object: the URI must name an object, not just a bucket. */
export function parseGsObjectUri(uri: string): GsLocation {
  const location = parseGsUri(uri);
  if (!location.name || location.name.endsWith('/')) {
    throw new Error(`${uri} names a bucket or folder, not an object; add an object name (gs://bucket/path/name)`);
  }
  return location;
}

/**
 * The object-name prefix that holds everything "inside" a URI, folder-style: `gs://b/runs/x` covers
 * `runs/x/...` but not `runs/x2/...`, the same as listing the local directory `/…/runs/x`.
 */
export function folderPrefix(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

export function gsUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}
