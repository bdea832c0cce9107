/**
 * The one URI join, shared by the workflow (whose sandbox has no `path`) and storage. Never
 * `path.join`: it would turn `gs://bucket` into `gs:/bucket`.
 */

/** Joins URI parts with single slashes; `gs://` and `file://` prefixes survive. */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const part of parts) {
    const clean = part.replace(/^\/+|\/+$/g, '');
    if (clean) out += `/${clean}`;
  }
  return out;
}
