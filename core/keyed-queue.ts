/**
 * Work on the same key runs one piece at a time, in the order asked; other keys do not wait. A
 * failure ends only its own piece: the next one still runs.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget the key once nothing waits on it, so a long-lived worker does not keep every key.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** How many keys have work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
