// Factories for the shopping flow: cart lines and orders, made through the API
// when the behaviour under test is the API's, or directly when it is setup.
import { db, type Prisma } from '../../src/lib/db';
import { api } from './api';

export function addToCart(auth: Record<string, string>, productId: number, quantity = 1) {
  return api().post('/api/cart/').set(auth).send({ product_id: productId, quantity });
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
