// One account cannot hold a product's stock in a few big unpaid orders: its
// pending orders hold at most MAX_PENDING_UNITS_PER_PRODUCT units of any one
// product. Past it an order, direct or by checkout, is a 409 that says how
// many may still be ordered and changes nothing. Paid, cancelled and expired
// orders hold nothing; staff are not limited; concurrent orders cannot slip
// past; 0 turns the limit off.
import request from 'supertest';
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { api, buildProduct, signedIn } from '../support/api';
import { contractChecked } from '../support/contract';
import { addToCart, buildCartLine, placeOrder, stockOf } from '../support/shop';

const LIMIT = config.orders.maxPendingUnitsPerProduct;
type Auth = Record<string, string>;
type Line = { product_id: number; quantity: number };
const order = (auth: Auth, items: Line[], path = '/api/orders/') => api().post(path).set(auth).send({ items });
const unitsHeld = async (userId: number, productId: number) =>
  (await db().orderItem.aggregate({ where: { productId, order: { userId, status: 'pending' } }, _sum: { quantity: true } }))._sum.quantity ?? 0;

function expectUnitProblem(res: request.Response, limits: { product_id: number; requested: number; held: number; allowed: number }[]) {
  expect(res.status).toBe(409);
  expect(res.type).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status: 409, code: 'pending_unit_limit', max_pending_units: LIMIT });
  expect(res.body.limits).toEqual(limits.map((l) => ({ ...l, name: expect.any(String) })));
  expect(res.body.detail).toContain(`at most ${LIMIT} units`);
}

describe('the pending-unit limit', () => {
  it(`is ${LIMIT} by default`, () => {
    expect(LIMIT).toBe(10);
  });

  it('refuses a shopper who orders a product\'s whole stock, saying how many they may order, and leaves the stock for everyone else', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ name: 'Console', stock: 200 });

    for (const path of ['/api/orders/', '/api/orders/create/']) {
      const res = await order(auth, [{ product_id: product.id, quantity: 200 }], path);
      expectUnitProblem(res, [{ product_id: product.id, requested: 200, held: 0, allowed: LIMIT }]);
      expect(res.body.limits[0].name).toBe('Console');
      expect(res.body.detail).toContain('Console (0 held, 200 requested, at most 10 more allowed)');
    }

    expect(await stockOf(product.id)).toBe(200);
    expect(await db().order.count()).toBe(0);
    const other = await signedIn();
    await order(other.auth, [{ product_id: product.id, quantity: 2 }]).expect(201);
  });

  it(`lets one order take exactly ${LIMIT} units`, async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 200 });
    await order(auth, [{ product_id: product.id, quantity: LIMIT }]).expect(201);
    expect(await stockOf(product.id)).toBe(200 - LIMIT);
  });

  it('adds up the units of every pending order, and names only the products that would go past it', async () => {
    const { user, auth } = await signedIn();
    const hoarded = await buildProduct({ stock: 100 });
    const other = await buildProduct({ stock: 100 });
    await placeOrder(auth, [{ product_id: hoarded.id, quantity: 4 }]);
    await placeOrder(auth, [{ product_id: hoarded.id, quantity: 4 }, { product_id: other.id, quantity: 1 }]);

    const res = await order(auth, [{ product_id: other.id, quantity: 3 }, { product_id: hoarded.id, quantity: 3 }]);

    expectUnitProblem(res, [{ product_id: hoarded.id, requested: 3, held: 8, allowed: 2 }]);
    expect(await stockOf(other.id)).toBe(99);
    await order(auth, [{ product_id: other.id, quantity: 3 }, { product_id: hoarded.id, quantity: 2 }]).expect(201);
    expect(await unitsHeld(user.id, hoarded.id)).toBe(LIMIT);
    expectUnitProblem(await order(auth, [{ product_id: hoarded.id, quantity: 1 }]), [{ product_id: hoarded.id, requested: 1, held: LIMIT, allowed: 0 }]);
  });

  it('holds checkout to it too, and keeps the cart when it refuses', async () => {
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 100 });
    await placeOrder(auth, [{ product_id: product.id, quantity: 7 }]);
    await addToCart(auth, product.id, 4).expect(201);

    const res = await api().post('/api/orders/checkout/').set(auth);

    expectUnitProblem(res, [{ product_id: product.id, requested: 4, held: 7, allowed: 3 }]);
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(1);
    expect(await stockOf(product.id)).toBe(93);
  });

  it('counts only pending orders: units in a paid, a cancelled or an expired order can be ordered again', async () => {
    const staff = await signedIn({ isStaff: true });
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 100 });
    const paid = await placeOrder(auth, [{ product_id: product.id, quantity: 3 }]);
    const cancelled = await placeOrder(auth, [{ product_id: product.id, quantity: 3 }]);
    const expired = await placeOrder(auth, [{ product_id: product.id, quantity: 3 }]);
    await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);
    await order(auth, [{ product_id: product.id, quantity: 1 }]).expect(409);

    await api().patch(`/api/orders/${paid.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);
    await api().delete(`/api/orders/${cancelled.id}/`).set(auth).expect(204);
    await db().order.update({ where: { id: expired.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
    expect(await expireUnpaidOrders({ ttlSeconds: 60 })).toBe(1);

    await order(auth, [{ product_id: product.id, quantity: 9 }]).expect(201);
    expect(await unitsHeld(user.id, product.id)).toBe(LIMIT);
  });

  it('is per account and per product', async () => {
    const first = await signedIn();
    const second = await signedIn();
    const product = await buildProduct({ stock: 100 });
    const another = await buildProduct({ stock: 100 });
    await placeOrder(first.auth, [{ product_id: product.id, quantity: LIMIT }]);

    await order(first.auth, [{ product_id: another.id, quantity: LIMIT }]).expect(201);
    await order(second.auth, [{ product_id: product.id, quantity: LIMIT }]).expect(201);
  });

  it('does not limit staff', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 200 });
    await order(staff.auth, [{ product_id: product.id, quantity: 150 }]).expect(201);
    await order(staff.auth, [{ product_id: product.id, quantity: 50 }]).expect(201);
    expect(await stockOf(product.id)).toBe(0);
  });

  it('cannot be passed by orders placed at the same moment', async () => {
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 100 });
    await placeOrder(auth, [{ product_id: product.id, quantity: 6 }]);
    await addToCart(auth, product.id, 2).expect(201);

    const paths = ['/api/orders/', '/api/orders/create/', '/api/orders/checkout/'];
    const responses = await Promise.all(
      [...Array(6)].map((_, i) => (paths[i % 3] === '/api/orders/checkout/' ? api().post(paths[i % 3]!).set(auth) : order(auth, [{ product_id: product.id, quantity: 2 }], paths[i % 3]))),
    );

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    for (const res of responses.filter((r) => r.status !== 201)) {
      // A checkout that lost its cart to an earlier checkout finds it empty (400); every other loser hit the limit.
      if (res.status === 400) expect(res.body.detail).toBe('Your cart is empty.');
      else expect(res.body).toMatchObject({ status: 409, code: 'pending_unit_limit' });
    }
    expect(await unitsHeld(user.id, product.id)).toBe(LIMIT);
    expect(await stockOf(product.id)).toBe(100 - LIMIT);
  });

  it('still answers a retry of an order it already placed (Idempotency-Key), and refuses a new one', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 100 });
    const first = await order(auth, [{ product_id: product.id, quantity: LIMIT }]).set('Idempotency-Key', 'all-of-them').expect(201);

    const retry = await order(auth, [{ product_id: product.id, quantity: LIMIT }]).set('Idempotency-Key', 'all-of-them').expect(201);

    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    const refused = await order(auth, [{ product_id: product.id, quantity: 1 }]).set('Idempotency-Key', 'one-more');
    expectUnitProblem(refused, [{ product_id: product.id, requested: 1, held: LIMIT, allowed: 0 }]);
    expect(await stockOf(product.id)).toBe(100 - LIMIT);
  });

  it('leaves a missing product to the 400 that names it', async () => {
    const { auth } = await signedIn();
    const res = await order(auth, [{ product_id: 999_999, quantity: 500 }]).expect(400);
    expect(res.body.detail).toContain('Product 999999 does not exist.');
  });

  it('is off with MAX_PENDING_UNITS_PER_PRODUCT=0', async () => {
    const unlimited = contractChecked(createApp({ config: { ...config, orders: { ...config.orders, maxPendingUnitsPerProduct: 0 } } }));
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 200 });
    await buildCartLine(user.id, product.id, 50);

    await request(unlimited).post('/api/orders/').set(auth).send({ items: [{ product_id: product.id, quantity: 150 }] }).expect(201);
    await request(unlimited).post('/api/orders/checkout/').set(auth).expect(201);
    expect(await stockOf(product.id)).toBe(0);
  });
});
