/** The client's request slots: never more in flight than its size; a free slot goes to the earliest chunk's request. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestSlots } from '../../inference/request-slots';

void describe('RequestSlots', () => {
  void it('serves the lowest order first, then the earliest asked, never more than its size at once', async () => {
    const slots = new RequestSlots(2);
    const order: string[] = [];
    let inFlight = 0;
    let most = 0;
    const releases = new Map<string, () => void>();
    const job = (name: string, rank: number) =>
      slots.run(rank, async () => {
        order.push(name);
        most = Math.max(most, ++inFlight);
        await new Promise<void>((resolve) => releases.set(name, resolve));
        inFlight--;
      });
    const all = [job('a0', 0), job('b0', 0), job('c1', 1), job('d1', 1), job('e0', 0)];
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    assert.deepEqual(order, ['a0', 'b0']);
    releases.get('a0')?.();
    await settle();
    assert.deepEqual(order, ['a0', 'b0', 'e0'], 'the waiting order-0 request goes before the order-1 ones');
    for (const name of ['b0', 'e0']) {
      releases.get(name)?.();
      await settle();
    }
    assert.deepEqual(order, ['a0', 'b0', 'e0', 'c1', 'd1']);
    releases.get('c1')?.();
    releases.get('d1')?.();
    await Promise.all(all);
    assert.equal(most, 2);
  });
});
