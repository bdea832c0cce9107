/**
 * Completion manifests make every activity idempotent: outputs go to deterministic URIs, then the
 * manifest (`….done.json`) is written LAST, so its presence means the outputs are complete. A re-run
 * (a retry, a reset, a second run of the same experiment) that finds it returns the stored result
 * without redoing the work — provided it was made from the same inputs.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { exists, readJson, writeBytes, writeJson } from '../storage';
import type { Manifest } from '../contracts/activities';
import { badInput } from '../activity-context/failures';
import { stableJson } from '../core/stable-json';

const manifestSchema = z.object({
  inputKey: z.string(),
  completedAt: z.string(),
  seconds: z.number(),
  result: z.unknown(),
});

/** A stable digest of an activity's relevant inputs (object keys sorted). */
export function inputKey(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 32);
}

/** The stored manifest, if the step already completed with these inputs. */
export async function readStepManifest<T>(uri: string, key: string): Promise<Manifest<T> | undefined> {
  if (!(await exists(uri))) return undefined;
  const parsed = manifestSchema.safeParse(await readJson(uri).catch(() => undefined));
  // A manifest that cannot be read is treated as absent: the step simply runs again.
  if (!parsed.success) return undefined;
  if (parsed.data.inputKey !== key) {
    throw badInput(
      `${uri} records a completed step made from different inputs (settings changed since, or another experiment wrote here). ` +
        "Use a new experiment name, or delete that iteration's files to redo it with the new settings.",
    );
  }
  return parsed.data as Manifest<T>;
}

export async function writeStepManifest<T>(uri: string, key: string, startedAt: number, result: T): Promise<Manifest<T>> {
  const manifest: Manifest<T> = { inputKey: key, completedAt: new Date().toISOString(), seconds: (Date.now() - startedAt) / 1000, result };
  await writeJson(uri, manifest);
  return manifest;
}

/**
 * How a step writes its outputs: only while the step is still open. An attempt can outlive its turn
 * (its worker stopped, the attempt retried elsewhere and finished, then the worker went on); such a
 * late attempt must not write the finished step's outputs again.
 */
export interface StepOutput {
  writeJson(uri: string, value: unknown): Promise<void>;
  writeBytes(uri: string, data: string | Uint8Array): Promise<void>;
}

/** Thrown inside `once` when another attempt completed the step meanwhile; `once` returns its result. */
class CompletedElsewhere<T> extends Error {
  constructor(readonly manifest: Manifest<T>) {
    super('another attempt completed this step');
  }
}

/**
 * Runs `work` unless its manifest already exists; writes the manifest after the work's outputs. A
 * late attempt (the manifest appeared while it worked) writes nothing more and returns the stored
 * result: outputs go through `output`, which checks the manifest first.
 */
export async function once<T>(manifestUri: string, key: string, work: (output: StepOutput) => Promise<T>): Promise<T> {
  const done = await readStepManifest<T>(manifestUri, key);
  if (done) return done.result;
  const startedAt = Date.now();
  const stillOpen = async () => {
    const finished = await readStepManifest<T>(manifestUri, key);
    if (finished) throw new CompletedElsewhere(finished);
  };
  const output: StepOutput = {
    writeJson: async (uri, value) => {
      await stillOpen();
      await writeJson(uri, value);
    },
    writeBytes: async (uri, data) => {
      await stillOpen();
      await writeBytes(uri, data);
    },
  };
  try {
    const result = await work(output);
    await stillOpen();
    await writeStepManifest(manifestUri, key, startedAt, result);
    return result;
  } catch (err) {
    if (err instanceof CompletedElsewhere) return (err as CompletedElsewhere<T>).manifest.result;
    throw err;
  }
}
