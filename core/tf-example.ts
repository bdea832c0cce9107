/**
 * `tf.train.Example` with one int64-list feature, encoded and parsed by hand (no protobuf library):
 *
 *   Example  { Features features = 1; }
 *   Features { map<string, Feature> feature = 1; }   // map entry: key = 1, value = 2
 *   Feature  { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 *   Int64List { repeated int64 value = 1 [packed]; }
 *
 * Encoding writes the packed form, as TensorFlow's serializer does; parsing accepts packed and unpacked.
 */
import { BadInputError } from './errors';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

export class TfExampleError extends BadInputError {
  override readonly name = 'TfExampleError';
}

/** Serializes `Example{features{feature{key: name, value{int64_list{value: ids}}}}}`. Ids must be non-negative. */
export function encodeInt64Example(name: string, ids: ArrayLike<number>): Uint8Array {
  const key = new TextEncoder().encode(name);
  let packedLen = 0;
  for (let i = 0; i < ids.length; i += 1) {
    const id = ids[i] as number;
    if (!Number.isSafeInteger(id) || id < 0) throw new TfExampleError(`token id ${id} at position ${i} is not a non-negative integer`);
    packedLen += varintSize(id);
  }
  const int64List = 1 + varintSize(packedLen) + packedLen; // field 1, packed
  const feature = 1 + varintSize(int64List) + int64List; // field 3 of Feature
  const entry = 1 + varintSize(key.length) + key.length + 1 + varintSize(feature) + feature;
  const features = 1 + varintSize(entry) + entry;
  const example = 1 + varintSize(features) + features;
  const out = new Uint8Array(example);
  let o = 0;
  out[o++] = (1 << 3) | WIRE_LEN; // Example.features
  o = writeVarint(out, o, features);
  out[o++] = (1 << 3) | WIRE_LEN; // Features.feature (map entry)
  o = writeVarint(out, o, entry);
  out[o++] = (1 << 3) | WIRE_LEN; // entry.key
  o = writeVarint(out, o, key.length);
  out.set(key, o);
  o += key.length;
  out[o++] = (2 << 3) | WIRE_LEN; // entry.value
  o = writeVarint(out, o, feature);
  out[o++] = (3 << 3) | WIRE_LEN; // Feature.int64_list
  o = writeVarint(out, o, int64List);
  out[o++] = (1 << 3) | WIRE_LEN; // Int64List.value, packed
  o = writeVarint(out, o, packedLen);
  for (let i = 0; i < ids.length; i += 1) o = writeVarint(out, o, ids[i] as number);
  return out;
}

interface Field {
  number: number;
  wire: number;
  /** varint value (as a BigInt, int64 two's complement) */
  varint?: bigint;
  /** bytes of a length-delimited field */
  bytes?: Uint8Array;
}

class Reader {
  offset: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.offset = start;
  }
  done(): boolean {
    return this.offset >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.end) throw new TfExampleError(`truncated varint at byte ${this.offset}`);
      const byte = this.buf[this.offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
      if (shift > 63n) throw new TfExampleError(`varint longer than 10 bytes at byte ${this.offset}`);
    }
  }
  /** Small varints (tags, lengths) as numbers. */
  smallVarint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.end) throw new TfExampleError(`truncated varint at byte ${this.offset}`);
      const byte = this.buf[this.offset++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 49) throw new TfExampleError(`length varint too large at byte ${this.offset}`);
    }
  }
  field(): Field {
    const tag = this.smallVarint();
    const wire = tag & 7;
    const number = Math.floor(tag / 8);
    switch (wire) {
      case WIRE_VARINT:
        return { number, wire, varint: this.varint() };
      case WIRE_I64:
        this.skip(8);
        return { number, wire };
      case WIRE_I32:
        this.skip(4);
        return { number, wire };
      case WIRE_LEN: {
        const length = this.smallVarint();
        const start = this.offset;
        this.skip(length);
        return { number, wire, bytes: this.buf.subarray(start, start + length) };
      }
      default:
        throw new TfExampleError(`unsupported protobuf wire type ${wire} at byte ${this.offset}`);
    }
  }
  skip(n: number): void {
    if (this.offset + n > this.end) throw new TfExampleError(`field of ${n} bytes runs past the end of the message`);
    this.offset += n;
  }
}

function fields(bytes: Uint8Array): Field[] {
  const reader = new Reader(bytes);
  const out: Field[] = [];
  while (!reader.done()) out.push(reader.field());
  return out;
}

function toInt32(value: bigint): number {
  if (value < -(2n ** 31n) || value >= 2n ** 31n) throw new TfExampleError(`int64 value ${value} does not fit a token id (int32)`);
  return Number(value);
}

/** Parses a serialized Example and returns every feature that is an int64 list, by name. */
export function parseInt64Features(bytes: Uint8Array): Map<string, Int32Array> {
  const features = new Map<string, Int32Array>();
  for (const exampleField of fields(bytes)) {
    if (exampleField.number !== 1 || !exampleField.bytes) continue;
    for (const entryField of fields(exampleField.bytes)) {
      if (entryField.number !== 1 || !entryField.bytes) continue;
      let key = '';
      let feature: Uint8Array | undefined;
      for (const part of fields(entryField.bytes)) {
        if (part.number === 1 && part.bytes) key = new TextDecoder().decode(part.bytes);
        if (part.number === 2 && part.bytes) feature = part.bytes;
      }
      if (!feature) continue;
      const values: number[] = [];
      let isInt64 = false;
      for (const kind of fields(feature)) {
        if (kind.number !== 3 || !kind.bytes) continue;
        isInt64 = true;
        for (const value of fields(kind.bytes)) {
          if (value.number !== 1) continue;
          if (value.varint !== undefined) values.push(toInt32(value.varint));
          else if (value.bytes) {
            const packed = new Reader(value.bytes);
            while (!packed.done()) values.push(toInt32(packed.varint()));
          }
        }
      }
      if (isInt64) features.set(key, Int32Array.from(values));
    }
  }
  return features;
}

/** The token ids of a records Example (its int64 feature `text`). */
export function parseTextExample(bytes: Uint8Array, source = 'record'): Int32Array {
  const text = parseInt64Features(bytes).get('text');
  if (!text) throw new TfExampleError(`${source}: no int64 feature "text"; this is not a training record of this format`);
  return text;
}
