// Many more buyers than stock, all checking out at once: exactly the stock is
// sold, on one app and on two server processes sharing the database.
import { db } from '../../src/lib/db';
import { accessTokenFor, api, buildProduct, buildUser } from '../support/api';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { stockOf } from '../support/shop';

const BUYERS = 40;
const STOCK = 7;
const ROUNDS = 3;

async function buyersWithTheProductInTheirCart(productId: number, quantity = 1) {
  const buyers = await Promise.all([...Array(BUYERS)].map(() => buildUser()));
  await db().cartItem.createMany({ data: buyers.map((b) => ({ userId: b.id, productId, quantity })) });
  return Promise.all(buyers.map(async (b) => `Bearer ${await accessTokenFor(b.id)}`));
}

async function assertSoldExactlyTheStock(productId: number, statuses: number[]) {
  expect(statuses.filter((s) => s === 201)).toHaveLength(STOCK);
  expect(statuses.filter((s) => s === 409)).toHaveLength(BUYERS - STOCK);
  expect(await stockOf(productId)).toBe(0);
  const sold = await db().orderItem.aggregate({ where: { productId }, _sum: { quantity: true } });
  expect(sold._sum.quantity).toBe(STOCK);
  expect(await db().order.count({ where: { items: { some: { productId } } } })).toBe(STOCK);
  // The losers keep their carts; the winners' carts are empty.
  expect(await db().cartItem.count({ where: { productId } })).toBe(BUYERS - STOCK);
}

describe('checkout under contention never oversells', () => {
  it(`sells exactly ${STOCK} to ${BUYERS} simultaneous buyers, round after round, in one process`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const product = await buildProduct({ stock: STOCK });
      const tokens = await buyersWithTheProductInTheirCart(product.id);
      const responses = await Promise.all(tokens.map((token) => api().post('/api/orders/checkout/').set('Authorization', token)));
      await assertSoldExactlyTheStock(product.id, responses.map((r) => r.status));
    }
  });

  it('never goes below zero with mixed quantities and direct orders racing checkouts', async () => {
    const product = await buildProduct({ stock: STOCK });
    const tokens = await buyersWithTheProductInTheirCart(product.id, 2);
    const responses = await Promise.all(
      tokens.map((token, i) =>
        i % 2 === 0
          ? api().post('/api/orders/checkout/').set('Authorization', token)
          : api().post('/api/orders/').set('Authorization', token).send({ items: [{ product_id: product.id, quantity: 1 + (i % 3) }] }),
      ),
    );
    expect(responses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const sold = (await db().orderItem.aggregate({ where: { productId: product.id }, _sum: { quantity: true } }))._sum.quantity ?? 0;
    const left = await stockOf(product.id);
    expect(left).toBeGreaterThanOrEqual(0);
    expect(sold + left).toBe(STOCK);
    // Nobody was turned away while their quantity was still available at the end.
    expect(left).toBeLessThan(1);
  });

  describe('across two server processes sharing the database', () => {
    let servers: ServerProcess[] = [];

    beforeAll(async () => {
      servers = await Promise.all([startServerProcess(), startServerProcess()]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });

    it(`sells exactly ${STOCK} to ${BUYERS} buyers split between the two, round after round`, async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const product = await buildProduct({ stock: STOCK });
        const tokens = await buyersWithTheProductInTheirCart(product.id);
        const responses = await Promise.all(
          tokens.map((token, i) =>
            fetch(`${servers[i % 2]!.url}/api/orders/checkout/`, { method: 'POST', headers: { Authorization: token } }),
          ),
        );
        await assertSoldExactlyTheStock(product.id, responses.map((r) => r.status));
      }
    });
  });
});
