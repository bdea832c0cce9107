/**
 * The requests a client may have in flight at once, shared by every call of the client: a shard
 * samples the next chunk while the previous chunk's last requests finish, and together they must
 * not exceed the server's share. A free slot goes to the waiting request of the lowest `order` (the
 * earliest chunk), then the earliest asked, so an earlier chunk finishes and is saved first and a
 * later chunk only fills the slots the earlier one leaves idle.
 */
interface Waiter {
  order: number;
  arrival: number;
  grant: () => void;
}

export class RequestSlots {
  private free: number;
  private arrivals = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`a client needs at least 1 request slot (got ${size})`);
    this.free = size;
  }

  /** Runs `work` in a slot, waiting for one first; lower `order` is served first. */
  async run<T>(order: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(order);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(order: number): Promise<void> {
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      const waiter = { order, arrival: this.arrivals++, grant };
      let at = this.waiting.length;
      while (at > 0 && before(waiter, this.waiting[at - 1] as Waiter)) at--;
      this.waiting.splice(at, 0, waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free++;
  }
}

function before(a: Waiter, b: Waiter): boolean {
  return a.order < b.order || (a.order === b.order && a.arrival < b.arrival);
}
