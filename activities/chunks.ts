/**
 * Long passes (generation, eval) run in chunks of examples; each chunk's result is saved to its own
 * file as soon as it is sampled. A retried attempt — on this worker or another, after a crash — finds the saved
 * chunks and continues after them. Chunking cannot change results: every random choice is keyed by
 * (seed, example id), never by position in a batch.
 *
 * Up to `chunksAtOnce` chunks sample at once: through a server, the next chunk's requests fill the
 * slots the previous chunk's last requests leave idle (a server answering 1-3 requests at each
 * chunk's tail batches poorly). A chunk starts only once the chunk `chunksAtOnce` before it is
 * saved, so a crash loses at most that many unsaved chunks.
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
  /** Chunks sampled at once (default 1: each chunk is sampled and saved before the next starts). */
  chunksAtOnce?: number;
  progress: Omit<ExamplesProgress, 'done' | 'total' | 'kind'>;
  /** Samples one chunk; `index` is its place in the pass (0, 1, …), for a sampler that serves earlier chunks first. */
  run(start: number, end: number, onProgress: (doneInChunk: number) => void, index: number): Promise<T>;
}

interface ChunkFile<T> {
  key: string;
  start: number;
  end: number;
  result: T;
}

export async function runChunks<T>(pass: ChunkedPass<T>): Promise<T[]> {
  const atOnce = Math.max(1, pass.chunksAtOnce ?? 1);
  const starts: number[] = [];
  for (let start = 0; start < pass.total; start += pass.chunkSize) starts.push(start);
  const results = new Array<T>(starts.length);
  const doneIn = starts.map(() => 0);
  const report = () => heartbeat({ kind: 'examples', ...pass.progress, done: doneIn.reduce((a, b) => a + b, 0), total: pass.total });
  report();

  const chunk = async (index: number): Promise<T> => {
    const start = starts[index] as number;
    const end = Math.min(pass.total, start + pass.chunkSize);
    const uri = joinUri(pass.dir, `chunk-${start}.json`);
    const saved = await readChunk<T>(uri, pass.key, start, end);
    if (saved !== undefined) return saved;
    throwIfCancelled();
    const result = await pass.run(
      start,
      end,
      (n) => {
        doneIn[index] = Math.min(n, end - start);
        report();
      },
      index,
    );
    // Another attempt (this one was late: its worker stopped a while) may have saved the chunk meanwhile.
    const savedMeanwhile = await readChunk<T>(uri, pass.key, start, end);
    if (savedMeanwhile !== undefined) return savedMeanwhile;
    await writeJson(uri, { key: pass.key, start, end, result } satisfies ChunkFile<T>);
    return result;
  };

  // finished[i] settles once chunk i is saved (or reused) and every chunk before it has settled.
  const finished: Promise<void>[] = [];
  for (let index = 0; index < starts.length; index++) {
    if (index >= atOnce) {
      const waitFor = finished[index - atOnce] as Promise<void>;
      if (
        !(await waitFor.then(
          () => true,
          () => false,
        ))
      )
        break;
    }
    const previous = finished[index - 1] ?? Promise.resolve();
    const computed = chunk(index);
    const done = (async () => {
      // In order: a chunk counts as done (and frees its place) only after the chunks before it.
      const result = await computed;
      await previous;
      results[index] = result;
      doneIn[index] = Math.min(pass.chunkSize, pass.total - (starts[index] as number));
      report();
    })();
    done.catch(() => undefined); // awaited below; this only keeps the rejection from counting as unhandled meanwhile
    finished.push(done);
  }
  // Every started chunk settles before the pass returns or throws: none is left sampling unwatched.
  const outcomes = await Promise.allSettled(finished);
  const failure = outcomes.find((o) => o.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

async function readChunk<T>(uri: string, key: string, start: number, end: number): Promise<T | undefined> {
  if (!(await exists(uri))) return undefined;
  const file = (await readJson<ChunkFile<T>>(uri).catch(() => undefined)) as ChunkFile<T> | undefined;
  if (!file || file.key !== key || file.start !== start || file.end !== end) return undefined;
  return file.result;
}
