import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BadInputError } from '../core/errors';
import { exists, joinUri, readBytes, readJson, writeBytes, writeJson } from '../storage';
import { parseModelConfig } from './config';
import { EmbeddedModel, type LoadedModel } from './embedded-model';
import { sizeOf, type NamedWeight } from './params';
import { tokenizerByName } from './tokenizers';
import { CheckpointError } from './errors';

/**
 * A checkpoint is a directory: `weights.bin` (little-endian float32 tensors back to back), optionally
 * `optimizer.bin` (the trainer's Adam moments, same layout twice), and `manifest.json`, written last,
 * so a directory with a manifest is complete. Nothing in it depends on the tfjs backend.
 */
export const CHECKPOINT_FORMAT = 'star-embedded-checkpoint';

const TensorEntrySchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.literal('float32'),
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const CheckpointManifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  step: z.number().int().nonnegative(),
  tokenizer: z.string(),
  config: z.record(z.string(), z.unknown()),
  byteOrder: z.literal('little'),
  weightsFile: z.string(),
  tensors: z.array(TensorEntrySchema),
  /** Adam moments (`m` then `v`, each laid out as `tensors`), present in training checkpoints. */
  optimizer: z.object({ kind: z.literal('adam'), file: z.string(), updates: z.number().int().nonnegative() }).optional(),
  /** What the trainer needs to continue exactly (seed, data, schedule), written by `train`. */
  training: z.record(z.string(), z.unknown()).optional(),
  /**
   * sha256 (hex) of each data file by name, checked on every load: a file damaged after saving (same
   * size, other bytes) would otherwise load as a different model without a word. Older checkpoints
   * have none and load unchecked.
   */
  digests: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
  savedAt: z.string(),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifestSchema>;

export interface OptimizerState {
  m: Float32Array[];
  v: Float32Array[];
  /** Number of Adam updates applied so far. */
  updates: number;
}

export interface SaveOptions {
  step: number;
  optimizer?: OptimizerState;
  training?: Record<string, unknown>;
}

function packArrays(arrays: Float32Array[]): Buffer {
  const total = arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = Buffer.alloc(total);
  let offset = 0;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset);
    offset += a.byteLength;
  }
  return out;
}

/** Writes the model (and optional optimizer state) under `dirUri`; returns the directory URI. */
export async function saveCheckpoint(model: EmbeddedModel, dirUri: string, options: SaveOptions): Promise<string> {
  const weights = model.weights;
  let offset = 0;
  const tensors = weights.map((w) => {
    const entry = { name: w.name, shape: w.shape, dtype: 'float32' as const, offset, bytes: w.data.byteLength };
    offset += w.data.byteLength;
    return entry;
  });
  const weightBytes = packArrays(weights.map((w) => w.data));
  await writeBytes(joinUri(dirUri, 'weights.bin'), weightBytes);
  const digests: Record<string, string> = { 'weights.bin': sha256(weightBytes) };
  let optimizer: CheckpointManifest['optimizer'];
  if (options.optimizer) {
    const optimizerBytes = packArrays([...options.optimizer.m, ...options.optimizer.v]);
    await writeBytes(joinUri(dirUri, 'optimizer.bin'), optimizerBytes);
    digests['optimizer.bin'] = sha256(optimizerBytes);
    optimizer = { kind: 'adam', file: 'optimizer.bin', updates: options.optimizer.updates };
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    step: options.step,
    tokenizer: model.tokenizer.name,
    config: { ...model.config },
    byteOrder: 'little',
    weightsFile: 'weights.bin',
    tensors,
    optimizer,
    training: options.training,
    digests,
    savedAt: new Date().toISOString(),
  };
  await writeJson(joinUri(dirUri, 'manifest.json'), manifest);
  return dirUri;
}

export async function readManifest(checkpointUri: string): Promise<CheckpointManifest> {
  const manifestUri = joinUri(checkpointUri, 'manifest.json');
  if (!(await exists(manifestUri))) {
    throw new CheckpointError(
      `${checkpointUri} is not a checkpoint: ${manifestUri} does not exist. Check the URI, or that training finished writing it ` +
        "(a checkpoint of the embedded model holds manifest.json and weights.bin; the reference trainer's (device_train.py, meta.json) cannot be loaded by it)",
    );
  }
  let raw: unknown;
  try {
    raw = await readJson(manifestUri);
  } catch (err) {
    throw new CheckpointError(
      `${checkpointUri} has an unreadable manifest: ${manifestUri} is not valid JSON (${(err as Error).message}); write the checkpoint again`,
    );
  }
  const parsed = CheckpointManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new CheckpointError(
      `${checkpointUri} has an unreadable manifest (write the checkpoint again): ${manifestUri} is malformed:\n${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

/** A checkpoint file whose bytes are not the ones its manifest recorded when it was saved. */
export class CheckpointCorruptError extends BadInputError {
  override name = 'CheckpointCorruptError';
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads one data file of a checkpoint and checks it against the manifest's digest, if it has one. */
async function readCheckedFile(checkpointUri: string, manifest: CheckpointManifest, file: string): Promise<Buffer> {
  const uri = joinUri(checkpointUri, file);
  const bytes = await readBytes(uri);
  const expected = manifest.digests?.[file];
  if (expected !== undefined && sha256(bytes) !== expected) {
    throw new CheckpointCorruptError(
      `checkpoint file ${uri} is damaged: its sha256 is not the one ${joinUri(checkpointUri, 'manifest.json')} recorded when it was saved ` +
        `(${bytes.length} bytes read). Restore the file from a copy, or delete the checkpoint folder ${checkpointUri} so the step that wrote it ` +
        "runs again (an iteration's model: delete it and that iteration's train manifest, then `star resume`).",
    );
  }
  return bytes;
}

function unpack(buffer: Buffer, manifest: CheckpointManifest, base: number, uri: string): NamedWeight[] {
  return manifest.tensors.map((t) => {
    const start = base + t.offset;
    if (t.bytes !== sizeOf(t.shape) * 4 || start + t.bytes > buffer.length) {
      throw new CheckpointError(
        `${uri}: tensor ${t.name} (shape ${t.shape.join('x')}, ${t.bytes} bytes at ${start}) does not fit the file (${buffer.length} bytes); the file is truncated or belongs to another manifest: write the checkpoint again`,
      );
    }
    const data = new Float32Array(sizeOf(t.shape));
    Buffer.from(data.buffer).set(buffer.subarray(start, start + t.bytes));
    return { name: t.name, shape: t.shape, data };
  });
}

/** Loads a checkpoint directory written by `saveCheckpoint` (from any backend). */
export async function loadModel(checkpointUri: string): Promise<LoadedModel> {
  const manifest = await readManifest(checkpointUri);
  const config = parseModelConfig(manifest.config, joinUri(checkpointUri, 'manifest.json'));
  const weightsUri = joinUri(checkpointUri, manifest.weightsFile);
  const weights = unpack(await readCheckedFile(checkpointUri, manifest, manifest.weightsFile), manifest, 0, weightsUri);
  return new EmbeddedModel(config, tokenizerByName(manifest.tokenizer), weights, manifest.step);
}

/** The Adam moments of a training checkpoint, or undefined if it has none. */
export async function loadOptimizerState(checkpointUri: string, manifest: CheckpointManifest): Promise<OptimizerState | undefined> {
  if (!manifest.optimizer) return undefined;
  const uri = joinUri(checkpointUri, manifest.optimizer.file);
  const buffer = await readCheckedFile(checkpointUri, manifest, manifest.optimizer.file);
  const half = manifest.tensors.reduce((n, t) => n + t.bytes, 0);
  if (buffer.length !== 2 * half)
    throw new CheckpointError(
      `${uri} has ${buffer.length} bytes, expected ${2 * half}; the optimizer state is truncated: remove this checkpoint so training resumes from an earlier one`,
    );
  return {
    m: unpack(buffer, manifest, 0, uri).map((w) => w.data),
    v: unpack(buffer, manifest, half, uri).map((w) => w.data),
    updates: manifest.optimizer.updates,
  };
}
