/**
 * Long passes (generation, eval) run in chunks of examples; each chunk's result is saved to its own
 * file before the next starts. A retried attempt — on this worker or another, after a crash — finds
 * the saved chunks and continues after them. Chunking cannot change results: every random choice is
 * keyed by (seed, example id), never by position in a batch.
 */
import { exists, joinUri, readJson, writeJson } from '../storage';
import { heartbeat, throwIfCancelled, type ExamplesProgress } from '../activity-context/progress';

export interface ChunkedPass<T> {
  /** Folder of the chunk files (`chunk-{start}.json`). */
  dir: string;
  /** Inputs digest: a chunk made from other inputs is not reused. */
  key: string;
  total: number;
  chunkSize: number;
  progress: Omit<ExamplesProgress, 'done' | 'total' | 'kind'>;
  run(start: number, end: number, onProgress: (doneInChunk: number) => void): Promise<T>;
}

interface ChunkFile<T> {
  key: string;
  start: number;
  end: number;
  result: T;
}

export async function runChunks<T>(pass: ChunkedPass<T>): Promise<T[]> {
  const results: T[] = [];
  const report = (done: number) => heartbeat({ kind: 'examples', ...pass.progress, done, total: pass.total });
  report(0);
  for (let start = 0; start < pass.total; start += pass.chunkSize) {
    const end = Math.min(pass.total, start + pass.chunkSize);
    const uri = joinUri(pass.dir, `chunk-${start}.json`);
    const saved = await readChunk<T>(uri, pass.key, start, end);
    if (saved !== undefined) {
      results.push(saved);
      report(end);
      continue;
    }
    throwIfCancelled();
    const result = await pass.run(start, end, (n) => report(start + Math.min(n, end - start)));
    // Another attempt (this one was late: its worker stopped a while) may have saved the chunk meanwhile.
    const savedMeanwhile = await readChunk<T>(uri, pass.key, start, end);
    if (savedMeanwhile !== undefined) {
      results.push(savedMeanwhile);
      report(end);
      continue;
    }
    await writeJson(uri, { key: pass.key, start, end, result } satisfies ChunkFile<T>);
    results.push(result);
    report(end);
  }
  return results;
}

async function readChunk<T>(uri: string, key: string, start: number, end: number): Promise<T | undefined> {
  if (!(await exists(uri))) return undefined;
  const file = (await readJson<ChunkFile<T>>(uri).catch(() => undefined)) as ChunkFile<T> | undefined;
  if (!file || file.key !== key || file.start !== start || file.end !== end) return undefined;
  return file.result;
}
