// Factories for the shopping flow: cart lines and orders, made through the API
// when the behaviour under test is the API's, or directly when it is setup.
import { db, type Prisma } from '../../src/lib/db';
import { api } from './api';

export function addToCart(auth: Record<string, string>, productId: number, quantity = 1) {
  return api().post('/api/cart/').set(auth).send({ product_id: productId, quantity });
}

/** A line in this user's cart, written directly: setup, not the cart API under test. */
export function buildCartLine(userId: number, productId: number, quantity = 1) {
  return db().cartItem.create({ data: { userId, productId, quantity } });
}

export async function stockOf(productId: number): Promise<number> {
  return (await db().product.findUniqueOrThrow({ where: { id: productId } })).stock;
}

export async function placeOrder(auth: Record<string, string>, items: { product_id: number; quantity: number }[]) {
  const res = await api().post('/api/orders/').set(auth).send({ items });
  if (res.status !== 201) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; status: string; total: string; items: { product_id: number; quantity: number }[] };
}

/**
 * Runs `lock` in a transaction of its own and keeps that transaction open
 * until `release()` (which resolves once it has ended): whatever `lock` took
 * stays held, so the request under test has to wait for it.
 */
export async function holdInTransaction(lock: (tx: Prisma.TransactionClient) => Promise<unknown>): Promise<{ release: () => Promise<void> }> {
  let unblock!: () => void;
  const held = new Promise<void>((resolve) => (unblock = resolve));
  let locked!: () => void;
  const acquired = new Promise<void>((resolve) => (locked = resolve));
  const transaction = db().$transaction(async (tx) => {
    await lock(tx);
    locked();
    await held;
  }, { timeout: 20_000 });
  await acquired;
  return {
    release: async () => {
      unblock();
      await transaction;
    },
  };
}

/** Holds a product's row lock, so a checkout of it stays in flight. */
export function holdProductLock(productId: number) {
  return holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM products WHERE id = ${productId} FOR UPDATE`);
}

/**
 * Resolves once `count` sessions of this database wait on a lock: the point
 * where requests under test are known to be blocked, without guessing a sleep.
 */
export async function waitForLockWaiters(count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db().$queryRaw<{ waiting: number }[]>`
      SELECT count(*)::int AS waiting FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (row!.waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${row!.waiting} of ${count} lock waiters after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
