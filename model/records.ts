/**
 * Training chunks from a records index, read by core's TFRecord reader. core/ is written in
 * parallel with this module, so it is looked up when first needed rather than imported statically.
 */
export async function loadRecordChunks(indexUri: string): Promise<Int32Array[]> {
  let reader: ((uri: string) => Promise<Int32Array[]>) | undefined;
  for (const path of ['../core/records', '../core/records-index', '../core']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path) as { readRecordsIndex?: (uri: string) => Promise<Int32Array[]> };
      if (typeof mod.readRecordsIndex === 'function') {
        reader = mod.readRecordsIndex;
        break;
      }
    } catch {
      // not there yet: try the next place
    }
  }
  if (!reader) throw new Error(`cannot read records index ${indexUri}: core's readRecordsIndex is not available in this checkout`);
  return reader(indexUri);
}
