// Placing and cancelling orders spend one per-account budget,
// ORDER_ACTIONS_PER_MINUTE: a loop of cancel and re-order, which would keep a
// product's stock held for ever and grow the order history without end, gets
// a 429 with Retry-After once it is spent. Checkout and every cancelling route
// spend it; staff do not; a retried Idempotency-Key does not, and is answered
// even when the budget is gone; 0 turns it off. With REDIS_URL, every server
// process spends one budget (against the real Redis at 127.0.0.1:6379,
// TEST_REDIS_URL overrides it, under a key prefix of this run's own).
import request from 'supertest';
import { createClient } from 'redis';
import { createApp } from '../../src/app';
import { config, type Config } from '../../src/config';
import { db } from '../../src/lib/db';
import { api, app as testApp, buildProduct, signedIn } from '../support/api';
import { contractChecked } from '../support/contract';
import { addToCart, stockOf } from '../support/shop';
import { dropRedisKeys, TEST_REDIS_URL } from '../support/redis';

const BUDGET = config.orders.actionsPerMinute;
const REDIS_URL = TEST_REDIS_URL;
const RUN_PREFIX = `test:order-actions:${process.pid}:${Date.now().toString(36)}`;
type Auth = Record<string, string>;
type App = Parameters<typeof request>[0];

/** An app whose order settings differ from the tests' defaults. */
function appWith(orders: Partial<Config['orders']>, settings: Partial<Config> = {}): App {
  return contractChecked(createApp({ config: { ...config, ...settings, orders: { ...config.orders, ...orders } } }));
}

const place = (app: App, auth: Auth, productId: number) => request(app).post('/api/orders/').set(auth).send({ items: [{ product_id: productId, quantity: 1 }] });
const cancel = (app: App, auth: Auth, id: number) => request(app).delete(`/api/orders/${id}/`).set(auth);

function expectThrottled(res: request.Response) {
  expect(res.status).toBe(429);
  expect(res.type).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status: 429, code: 'throttled', detail: expect.stringMatching(/^Request was throttled/) });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

/** Places and cancels one order `cycles` times: two actions a cycle. */
async function churn(app: App, auth: Auth, productId: number, cycles: number) {
  for (let i = 0; i < cycles; i += 1) {
    const placed = await place(app, auth, productId).expect(201);
    await cancel(app, auth, placed.body.id).expect(204);
  }
}

afterAll(() => dropRedisKeys(RUN_PREFIX));

describe('the order-action budget', () => {
  it(`is ${BUDGET} a minute by default`, () => {
    expect(BUDGET).toBe(30);
  });

  it(`stops a cancel-and-re-order loop after ${BUDGET} actions with 429 and Retry-After, and places nothing more`, async () => {
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    await churn(testApp, auth, product.id, BUDGET / 2);

    expectThrottled(await api().post('/api/orders/').set(auth).send({ items: [{ product_id: product.id, quantity: 1 }] }));
    expect(await db().order.count({ where: { userId: user.id } })).toBe(BUDGET / 2);
    expect(await stockOf(product.id)).toBe(5);
  });

  it('is spent by checkout and by every way of cancelling, and refuses each of them once spent', async () => {
    const app = appWith({ actionsPerMinute: 4 });
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    await addToCart(auth, product.id).expect(201);
    const checkedOut = await request(app).post('/api/orders/checkout/').set(auth).expect(201);
    await request(app).patch(`/api/orders/${checkedOut.body.id}/`).set(auth).send({ status: 'cancelled' }).expect(200);
    const placed = await place(app, auth, product.id).expect(201);
    await request(app).put(`/api/orders/${placed.body.id}/`).set(auth).send({ status: 'cancelled' }).expect(200);
    const kept = await db().order.create({ data: { userId: user.id, total: '10.00' } });
    await addToCart(auth, product.id).expect(201);

    expectThrottled(await request(app).post('/api/orders/checkout/').set(auth));
    expectThrottled(await request(app).post('/api/orders/create/').set(auth).send({ items: [{ product_id: product.id, quantity: 1 }] }));
    expectThrottled(await cancel(app, auth, kept.id));
    expectThrottled(await request(app).patch(`/api/orders/${kept.id}/`).set(auth).send({ status: 'cancelled' }));
    expect((await db().order.findUniqueOrThrow({ where: { id: kept.id } })).status).toBe('pending');
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(1);
    // Reading orders is not an action.
    await request(app).get('/api/orders/').set(auth).expect(200);
  });

  it('counts refused attempts too: each one takes the same locks', async () => {
    const app = appWith({ actionsPerMinute: 2 });
    const { auth } = await signedIn();
    const scarce = await buildProduct({ stock: 0 });
    for (let i = 0; i < 2; i += 1) await place(app, auth, scarce.id).expect(409);
    expectThrottled(await place(app, auth, scarce.id));
  });

  it('is per account', async () => {
    const app = appWith({ actionsPerMinute: 2 });
    const first = await signedIn();
    const second = await signedIn();
    const product = await buildProduct({ stock: 10 });
    await churn(app, first.auth, product.id, 1);
    expectThrottled(await place(app, first.auth, product.id));
    await place(app, second.auth, product.id).expect(201);
  });

  it('does not limit staff', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 5 });
    await churn(testApp, staff.auth, product.id, BUDGET);
    await place(testApp, staff.auth, product.id).expect(201);
  });

  it('is off with ORDER_ACTIONS_PER_MINUTE=0', async () => {
    const app = appWith({ actionsPerMinute: 0 });
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    await churn(app, auth, product.id, BUDGET);
    await place(app, auth, product.id).expect(201);
  });

  it('is not spent by a retry of an order already placed (Idempotency-Key), which is answered even once the budget is gone', async () => {
    const app = appWith({ actionsPerMinute: 2 });
    const { user, auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const keyed = () => place(app, auth, product.id).set('Idempotency-Key', 'order-1');
    const first = await keyed().expect(201);
    for (let i = 0; i < 3; i += 1) expect((await keyed().expect(201)).headers['idempotent-replayed']).toBe('true');
    await place(app, auth, product.id).expect(201);

    const retry = await keyed().expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    // A new key is a new order, and the budget is spent.
    expectThrottled(await place(app, auth, product.id).set('Idempotency-Key', 'order-2'));
    expect(await db().order.count({ where: { userId: user.id } })).toBe(2);
  });

  it('is one budget in Redis for two app instances, under the throttles\' key prefix', async () => {
    const auth = { ...config.auth, throttleKeyPrefix: `${RUN_PREFIX}:shared` };
    const first = appWith({ actionsPerMinute: 4 }, { redisUrl: REDIS_URL, auth });
    const second = appWith({ actionsPerMinute: 4 }, { redisUrl: REDIS_URL, auth });
    const customer = await signedIn();
    const product = await buildProduct({ stock: 10 });
    await churn(first, customer.auth, product.id, 1);
    await churn(second, customer.auth, product.id, 1);

    expectThrottled(await place(first, customer.auth, product.id));
    expectThrottled(await place(second, customer.auth, product.id));
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      expect(await client.keys(`${RUN_PREFIX}:shared:order-actions:*`)).toEqual([`${RUN_PREFIX}:shared:order-actions:${customer.user.id}`]);
    } finally {
      client.destroy();
    }
  });
});
