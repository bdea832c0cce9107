/**
 * Loaded models, shared by the activities of one worker process: the generation shards of an
 * iteration all sample from the same checkpoint, and loading it once saves both time and memory.
 * Reference-counted, so a model is disposed only when no running activity holds it.
 */
import { initBackend, loadModel, type LoadedModel } from '../model';
import { requireCheckpoint } from './model-checks';

interface Entry {
  model: Promise<LoadedModel>;
  users: number;
  lastUsed: number;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private backend: Promise<string> | undefined;

  /** How many idle models to keep loaded. */
  constructor(private readonly idleCapacity = 1) {}

  /** The model at `checkpointUri`, loaded once; call `release` when done with it. */
  async acquire(checkpointUri: string): Promise<{ model: LoadedModel; release: () => void }> {
    this.backend ??= initBackend(() => undefined);
    await this.backend;
    let entry = this.entries.get(checkpointUri);
    if (!entry) {
      entry = { model: checkedLoad(checkpointUri), users: 0, lastUsed: Date.now() };
      this.entries.set(checkpointUri, entry);
      // A failed load is not cached: the next attempt tries again.
      entry.model.catch(() => this.entries.delete(checkpointUri));
    }
    entry.users += 1;
    let model: LoadedModel;
    try {
      model = await entry.model;
    } catch (err) {
      entry.users -= 1;
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        held.lastUsed = Date.now();
        this.evict();
      },
    };
  }

  /** Disposes every model no activity holds. */
  async clear(): Promise<void> {
    for (const [uri, entry] of [...this.entries]) {
      if (entry.users > 0) continue;
      this.entries.delete(uri);
      (await entry.model.catch(() => undefined))?.dispose();
    }
  }

  private evict(): void {
    const idle = [...this.entries].filter(([, e]) => e.users === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [uri, entry] of idle.slice(0, Math.max(0, idle.length - this.idleCapacity))) {
      this.entries.delete(uri);
      void entry.model.then(
        (m) => m.dispose(),
        () => undefined,
      );
    }
  }
}

/** Loads a checkpoint; a missing or unreadable one fails as bad input naming where it came from and the fix. */
async function checkedLoad(checkpointUri: string): Promise<LoadedModel> {
  await requireCheckpoint(
    checkpointUri,
    'the checkpoint to sample from',
    "Point baseModelLocation (iteration 1) at a step_N folder written by the embedded trainer (or model/train-cli.ts); later iterations sample from the previous iteration's final checkpoint, which its trainer must have written",
  );
  return loadModel(checkpointUri);
}
