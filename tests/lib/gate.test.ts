// The gate in front of bcrypt: never more than its limit at once, first come
// first served, and a refusal (503 server_busy) instead of an unbounded queue.
import { ServerBusyError } from '../../src/lib/errors';
import { Gate } from '../../src/lib/gate';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Gate', () => {
  it('runs at most `limit` tasks at once and the rest in arrival order', async () => {
    const gate = new Gate(2, 10_000);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (n: number) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(n);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return n;
    };
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => gate.run(task(n))));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a task that waited longer than maxWaitMs, and keeps serving afterwards', async () => {
    const gate = new Gate(1, 20);
    const blocker = deferred();
    const first = gate.run(() => blocker.promise);
    await expect(gate.run(async () => 'never')).rejects.toBeInstanceOf(ServerBusyError);
    blocker.resolve();
    await first;
    await expect(gate.run(async () => 'served')).resolves.toBe('served');
  });

  it('refuses at once when too many already wait', async () => {
    const gate = new Gate(1, 10_000, 1);
    const blocker = deferred();
    const first = gate.run(() => blocker.promise);
    const waiting = gate.run(async () => 'second');
    await expect(gate.run(async () => 'third')).rejects.toBeInstanceOf(ServerBusyError);
    blocker.resolve();
    await expect(Promise.all([first, waiting])).resolves.toEqual([undefined, 'second']);
  });

  it('frees its place when a task fails', async () => {
    const gate = new Gate(1, 50);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 'next')).resolves.toBe('next');
  });
});
