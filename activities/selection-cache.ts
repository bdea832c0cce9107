/**
 * The examples a pass selects, kept per worker process so the shards of one pass that a worker runs
 * build the selection once: with 100,000 generated arithmetic questions that takes about a second of
 * CPU, which 1,000 shards would otherwise pay 1,000 times. Only generated splits (arithmetic) are
 * kept: they are a pure function of the options, so a kept one is never stale, while a dataset file
 * may be fixed between attempts and must be read again.
 */
import type { Example } from '../core/example';

export class SelectionCache {
  private readonly entries = new Map<string, Promise<Example[]>>();
  /** Selections built (not served from the cache), for tests and benches. */
  builds = 0;

  constructor(private readonly capacity = 4) {}

  get(key: string, build: () => Promise<Example[]>): Promise<Example[]> {
    const kept = this.entries.get(key);
    if (kept) {
      // Most recently used last, so the oldest is dropped first.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    this.builds += 1;
    const built = build();
    this.entries.set(key, built);
    built.catch(() => this.entries.delete(key));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return built;
  }
}
