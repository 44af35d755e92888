// One account cannot hold the whole stock in unpaid orders: past
// MAX_PENDING_ORDERS_PER_USER pending orders the next order, direct or by
// checkout, is a 409 that changes nothing. Paid, cancelled and expired orders
// free their place; staff are not limited; concurrent orders cannot slip past.
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { api, buildProduct, signedIn } from '../support/api';
import { addToCart, placeOrder, stockOf } from '../support/shop';

const LIMIT = config.orders.maxPendingPerUser;
type Auth = Record<string, string>;
const order = (auth: Auth, productId: number, path = '/api/orders/') => api().post(path).set(auth).send({ items: [{ product_id: productId, quantity: 1 }] });
const pendingOf = (userId: number) => db().order.count({ where: { userId, status: 'pending' } });

async function atTheLimit() {
  const customer = await signedIn();
  const product = await buildProduct({ stock: 100 });
  const orders = [];
  for (let i = 0; i < LIMIT; i += 1) orders.push(await placeOrder(customer.auth, [{ product_id: product.id, quantity: 1 }]));
  return { customer, product, orders };
}

function expectLimitProblem(body: Record<string, unknown>) {
  expect(body).toMatchObject({ status: 409, code: 'pending_order_limit', max_pending_orders: LIMIT });
  expect(body.detail).toContain(`${LIMIT} pending orders`);
}

describe('the pending-order cap', () => {
  it(`is ${LIMIT} by default`, () => {
    expect(LIMIT).toBe(10);
  });

  it('refuses the next order on every path with 409 problem+json saying so, and changes nothing', async () => {
    const { customer, product } = await atTheLimit();
    await addToCart(customer.auth, product.id, 2).expect(201);

    for (const path of ['/api/orders/', '/api/orders/create/']) {
      const res = await order(customer.auth, product.id, path).expect(409);
      expect(res.type).toBe('application/problem+json');
      expectLimitProblem(res.body);
    }
    expectLimitProblem((await api().post('/api/orders/checkout/').set(customer.auth).expect(409)).body);

    expect(await pendingOf(customer.user.id)).toBe(LIMIT);
    expect(await stockOf(product.id)).toBe(100 - LIMIT);
    expect((await api().get('/api/cart/').set(customer.auth).expect(200)).body).toHaveLength(1);
  });

  it('counts only pending orders: a paid, a cancelled and an expired one each free a place', async () => {
    const staff = await signedIn({ isStaff: true });
    const { customer, product, orders } = await atTheLimit();
    await api().patch(`/api/orders/${orders[0]!.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);
    await api().delete(`/api/orders/${orders[1]!.id}/`).set(customer.auth).expect(204);
    await db().order.update({ where: { id: orders[2]!.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
    expect(await expireUnpaidOrders({ ttlSeconds: 60 })).toBe(1);

    for (let i = 0; i < 3; i += 1) await order(customer.auth, product.id).expect(201);
    await order(customer.auth, product.id).expect(409);
    expect(await pendingOf(customer.user.id)).toBe(LIMIT);
  });

  it('is per account: another customer still orders', async () => {
    const { product } = await atTheLimit();
    const other = await signedIn();
    await order(other.auth, product.id).expect(201);
  });

  it('does not limit staff', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 100 });
    for (let i = 0; i < LIMIT + 2; i += 1) await order(staff.auth, product.id).expect(201);
    expect(await pendingOf(staff.user.id)).toBe(LIMIT + 2);
  });

  it('cannot be passed by orders placed at the same moment', async () => {
    const customer = await signedIn();
    const product = await buildProduct({ stock: 100 });
    for (let i = 0; i < LIMIT - 2; i += 1) await order(customer.auth, product.id).expect(201);

    const responses = await Promise.all([...Array(6)].map((_, i) => order(customer.auth, product.id, i % 2 ? '/api/orders/' : '/api/orders/create/')));

    expect(responses.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    expect(await pendingOf(customer.user.id)).toBe(LIMIT);
    expect(await stockOf(product.id)).toBe(100 - LIMIT);
  });

  it('still answers a retry of an order it already placed (Idempotency-Key), and refuses a new one', async () => {
    const customer = await signedIn();
    const product = await buildProduct({ stock: 100 });
    for (let i = 0; i < LIMIT - 1; i += 1) await order(customer.auth, product.id).expect(201);
    const first = await order(customer.auth, product.id).set('Idempotency-Key', 'last-one').expect(201);

    const retry = await order(customer.auth, product.id).set('Idempotency-Key', 'last-one').expect(201);

    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expectLimitProblem((await order(customer.auth, product.id).set('Idempotency-Key', 'another').expect(409)).body);
    expect(await pendingOf(customer.user.id)).toBe(LIMIT);
  });
});
