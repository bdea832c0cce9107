import { maskedCrc32c } from './crc32c';
import { BadInputError } from './errors';

/**
 * TFRecord framing: for each record, uint64 length (little-endian), masked CRC32C of those 8 bytes,
 * the data, masked CRC32C of the data.
 */
export function frameRecords(records: readonly Uint8Array[]): Buffer {
  const total = records.reduce((sum, record) => sum + record.length + 16, 0);
  const out = Buffer.alloc(total);
  let offset = 0;
  for (const record of records) {
    out.writeUInt32LE(record.length >>> 0, offset);
    out.writeUInt32LE(Math.floor(record.length / 2 ** 32), offset + 4);
    out.writeUInt32LE(maskedCrc32c(out, offset, offset + 8), offset + 8);
    out.set(record, offset + 12);
    const end = offset + 12 + record.length;
    out.writeUInt32LE(maskedCrc32c(out, offset + 12, end), end);
    offset = end + 4;
  }
  return out;
}

export class TfRecordCorruptError extends BadInputError {
  override readonly name = 'TfRecordCorruptError';
  constructor(
    readonly source: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${source} at byte ${offset}: ${detail}; the record file is corrupt or truncated, write it again`);
  }
}

/** Splits a TFRecord file into its records, verifying both CRCs of every record. */
export function readTfRecords(buf: Uint8Array, source = 'TFRecord data'): Buffer[] {
  const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + 12 > data.length)
      throw new TfRecordCorruptError(source, offset, `only ${data.length - offset} bytes left for a 12-byte record header`);
    const lengthCrc = data.readUInt32LE(offset + 8);
    if (maskedCrc32c(data, offset, offset + 8) !== lengthCrc) throw new TfRecordCorruptError(source, offset, 'length CRC mismatch');
    const length = data.readUInt32LE(offset) + data.readUInt32LE(offset + 4) * 2 ** 32;
    const start = offset + 12;
    const end = start + length;
    if (end + 4 > data.length)
      throw new TfRecordCorruptError(source, offset, `record of ${length} bytes runs past the end of the file (${data.length} bytes)`);
    if (maskedCrc32c(data, start, end) !== data.readUInt32LE(end)) throw new TfRecordCorruptError(source, offset, 'data CRC mismatch');
    records.push(data.subarray(start, end));
    offset = end + 4;
  }
  return records;
}
