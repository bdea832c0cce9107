import { readRecordsIndex } from '../dataset-files/records';

/** Training chunks (seq + 1 token ids each) from a records index, read by core's TFRecord reader. */
export async function loadRecordChunks(indexUri: string): Promise<Int32Array[]> {
  return readRecordsIndex(indexUri);
}
