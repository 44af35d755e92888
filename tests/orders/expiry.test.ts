// Unpaid orders expire: a pending order older than the TTL is cancelled with
// cancel_reason `expired` and its stock comes back, once, whoever else is
// acting on it at the same moment: a payment, a second sweep on another
// connection pool, or two whole server processes sharing the database.
import net from 'node:net';
import { PrismaPg } from '@prisma/adapter-pg';
import { config, loadConfig } from '../../src/config';
import { PrismaClient } from '../../src/generated/prisma/client';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders, startOrderExpiry, type ExpiryLog } from '../../src/modules/orders/order-expiry';
import { api, buildProduct, signedIn } from '../support/api';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { holdInTransaction, holdProductLock, placeOrder, stockOf, waitForLockWaiters } from '../support/shop';

const TTL = 1;
type Auth = Record<string, string>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails (instead of polling past the test's end) after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const pay = (staff: Auth, id: number) => api().patch(`/api/orders/${id}/`).set(staff).send({ status: 'paid' });

/** Backdates orders past the TTL, so a test need not wait for it. */
async function age(ids: number[]): Promise<void> {
  await db().$executeRaw`UPDATE orders SET created_at = created_at - interval '1 hour' WHERE id = ANY(${ids}::int[])`;
}

/** `count` pending orders of `quantity` each, from customers of their own (each under the pending-order cap). */
async function pendingOrders(count: number, productId: number, quantity = 1): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const { auth } = await signedIn();
    ids.push((await placeOrder(auth, [{ product_id: productId, quantity }])).id);
  }
  return ids;
}

const stored = (id: number) => db().order.findUniqueOrThrow({ where: { id }, select: { status: true, cancelReason: true } });

function clientFor(url: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 3, connectionTimeoutMillis: 1_000 }) });
}

describe('the settings', () => {
  const env = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32) };

  it('default to a 30-minute TTL, a sweep a minute, 10 pending orders a user holding 10 units of a product, 30 order actions a minute, and no address required', () => {
    expect(loadConfig(env).orders).toEqual({
      pendingTtlSeconds: 1800, expirySweepSeconds: 60, maxPendingPerUser: 10, maxPendingUnitsPerProduct: 10, actionsPerMinute: 30,
      requireShippingAddress: false,
    });
  });

  it('take 0 for the TTL, the unit limit and the action budget: off', () => {
    const off = loadConfig({ ...env, PENDING_ORDER_TTL_SECONDS: '0', MAX_PENDING_UNITS_PER_PRODUCT: '0', ORDER_ACTIONS_PER_MINUTE: '0' }).orders;
    expect(off).toMatchObject({ pendingTtlSeconds: 0, maxPendingUnitsPerProduct: 0, actionsPerMinute: 0 });
  });

  it.each([
    ['PENDING_ORDER_TTL_SECONDS', '-1'],
    ['ORDER_EXPIRY_SWEEP_SECONDS', '0'],
    ['MAX_PENDING_ORDERS_PER_USER', '0'],
    ['MAX_PENDING_ORDERS_PER_USER', 'ten'],
    ['MAX_PENDING_UNITS_PER_PRODUCT', '-1'],
    ['MAX_PENDING_UNITS_PER_PRODUCT', '2.5'],
    ['ORDER_ACTIONS_PER_MINUTE', '-1'],
    ['ORDER_ACTIONS_PER_MINUTE', 'thirty'],
  ])('refuses %s=%s at boot, naming it', (name, value) => {
    expect(() => loadConfig({ ...env, [name]: value })).toThrow(name);
  });
});

describe('expireUnpaidOrders', () => {
  it('cancels an order left unpaid past the TTL, says it expired, and puts its stock back', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const order = await placeOrder(auth, [{ product_id: product.id, quantity: 4 }]);
    await age([order.id]);
    const fresh = await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);
    expect(await stockOf(product.id)).toBe(5);

    // A TTL long enough that the fresh order is inside it however slow this machine is.
    expect(await expireUnpaidOrders({ ttlSeconds: 60 })).toBe(1);

    const read = await api().get(`/api/orders/${order.id}/`).set(auth).expect(200);
    expect(read.body).toMatchObject({ status: 'cancelled', cancel_reason: 'expired' });
    expect(await stored(fresh.id)).toEqual({ status: 'pending', cancelReason: null });
    expect(await stockOf(product.id)).toBe(9);
    // The change log records staff; nobody from staff did this.
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it('leaves a paid order alone, and its stock sold', async () => {
    const staff = await signedIn({ isStaff: true });
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const order = await placeOrder(auth, [{ product_id: product.id, quantity: 3 }]);
    await pay(staff.auth, order.id).expect(200);
    await age([order.id]);

    expect(await expireUnpaidOrders({ ttlSeconds: TTL })).toBe(0);

    expect(await stored(order.id)).toEqual({ status: 'paid', cancelReason: null });
    expect(await stockOf(product.id)).toBe(7);
  });

  it('works through a backlog in batches, each order once, and a product in many orders comes back by their sum', async () => {
    const product = await buildProduct({ stock: 100 });
    const ids = await pendingOrders(12, product.id, 2);
    await age(ids);

    expect(await expireUnpaidOrders({ ttlSeconds: TTL, batchSize: 5 })).toBe(12);

    expect(await db().order.count({ where: { status: 'cancelled', cancelReason: 'expired' } })).toBe(12);
    expect(await stockOf(product.id)).toBe(100);
    expect(await expireUnpaidOrders({ ttlSeconds: TTL, batchSize: 5 })).toBe(0);
  });

  it('expires nothing with a TTL of 0 (expiry turned off)', async () => {
    const product = await buildProduct({ stock: 10 });
    const ids = await pendingOrders(1, product.id);
    await age(ids);

    expect(await expireUnpaidOrders({ ttlSeconds: 0 })).toBe(0);
    expect(await stored(ids[0]!)).toEqual({ status: 'pending', cancelReason: null });
  });
});

describe('expiry racing a payment: exactly one wins', () => {
  it('when the sweep has the order first, the payment is refused and the stock comes back once', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 10 });
    const [id] = await pendingOrders(1, product.id, 4);
    await age([id!]);
    // The sweep locks the order, cancels it, then waits for the product: the
    // payment arrives while the order is the sweep's.
    const productLock = await holdProductLock(product.id);
    const sweep = expireUnpaidOrders({ ttlSeconds: TTL });
    await waitForLockWaiters(1);
    const payment = pay(staff.auth, id!).then((res) => res);
    await waitForLockWaiters(2);
    await productLock.release();

    expect(await sweep).toBe(1);
    const paid = await payment;
    expect(paid.status).toBe(409);
    expect(paid.body.code).toBe('order_changed');
    expect(await stored(id!)).toEqual({ status: 'cancelled', cancelReason: 'expired' });
    expect(await stockOf(product.id)).toBe(10);
  });

  it('when a payment has the order first, the sweep skips it without waiting, and the order is paid', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 10 });
    const [id] = await pendingOrders(1, product.id, 4);
    await age([id!]);
    // A transaction holding the order's row lock: a payment in flight.
    const inFlight = await holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM orders WHERE id = ${id} FOR UPDATE`);
    const payment = pay(staff.auth, id!).then((res) => res);
    await waitForLockWaiters(1);

    // Returns while the lock is still held: SKIP LOCKED, not a wait.
    expect(await expireUnpaidOrders({ ttlSeconds: TTL })).toBe(0);
    await inFlight.release();

    expect((await payment).status).toBe(200);
    expect(await expireUnpaidOrders({ ttlSeconds: TTL })).toBe(0);
    expect(await stored(id!)).toEqual({ status: 'paid', cancelReason: null });
    expect(await stockOf(product.id)).toBe(6);
  });

  it('with many payments and a sweep at once, each order ends paid or expired, never both, and the stock adds up', async () => {
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 100 });
    const ids = await pendingOrders(16, product.id, 1);
    await age(ids);

    const [expired, ...payments] = await Promise.all([
      expireUnpaidOrders({ ttlSeconds: TTL, batchSize: 4 }),
      ...ids.map((id) => pay(staff.auth, id).then((res) => res)),
    ]);

    const paidIds = ids.filter((_, i) => payments[i]!.status === 200);
    expect(payments.every((res) => res.status === 200 || res.status === 409)).toBe(true);
    expect(paidIds.length + (expired as number)).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      expect(await stored(id)).toEqual(payments[i]!.status === 200 ? { status: 'paid', cancelReason: null } : { status: 'cancelled', cancelReason: 'expired' });
    }
    expect(await stockOf(product.id)).toBe(100 - paidIds.length);
  });
});

describe('several sweepers on one database', () => {
  it('two sweeps on two connection pools at once expire each order once, and the stock comes back exactly once', async () => {
    const products = await Promise.all([1, 2, 3].map(() => buildProduct({ stock: 50 })));
    const ids: number[] = [];
    for (const product of products) ids.push(...(await pendingOrders(10, product.id, 3)));
    await age(ids);
    const other = clientFor(config.database.url!);
    try {
      const counts = await Promise.all([
        expireUnpaidOrders({ ttlSeconds: TTL, batchSize: 3 }),
        expireUnpaidOrders({ ttlSeconds: TTL, batchSize: 3, client: other }),
      ]);

      expect(counts[0] + counts[1]).toBe(30);
    } finally {
      await other.$disconnect();
    }
    expect(await db().order.count({ where: { status: 'cancelled', cancelReason: 'expired' } })).toBe(30);
    for (const product of products) expect(await stockOf(product.id)).toBe(50);
  });
});

/** A TCP gate in front of PostgreSQL: shut, every connection is dropped at once; open, it passes through. */
async function databaseGate(databaseUrl: string) {
  const target = new URL(databaseUrl);
  let open = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (!open) return socket.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (socket.destroy(), upstream.destroy(), sockets.delete(s)));
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    open: () => (open = true),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the sweep schedule', () => {
  it('logs a sweep that fails while the database is unreachable, keeps going, and expires the order once it is back', async () => {
    const product = await buildProduct({ stock: 10 });
    const [id] = await pendingOrders(1, product.id, 4);
    await age([id!]);
    const gate = await databaseGate(config.database.url!);
    const client = clientFor(gate.url);
    const warnings: object[] = [];
    const infos: object[] = [];
    const log: ExpiryLog = { warn: (fields) => warnings.push(fields), info: (fields) => infos.push(fields) };
    const scheduler = startOrderExpiry({ ttlSeconds: TTL, intervalMs: 100, client, log });
    try {
      await until(() => warnings.length >= 2, 'two failed sweeps');
      expect(await stored(id!)).toEqual({ status: 'pending', cancelReason: null });

      gate.open();
      await until(async () => (await stored(id!)).status !== 'pending', 'the order to expire once the database is back');
    } finally {
      await scheduler.stop();
      await client.$disconnect();
      await gate.close();
    }
    expect(await stored(id!)).toEqual({ status: 'cancelled', cancelReason: 'expired' });
    expect(await stockOf(product.id)).toBe(10);
    expect(warnings[0]).toEqual({ err: expect.any(Error) });
    expect(infos).toContainEqual({ expired: 1 });
  });

  it('does not start with a TTL of 0: no timer is set, and an old order stays pending', async () => {
    const product = await buildProduct({ stock: 10 });
    const ids = await pendingOrders(1, product.id);
    await age(ids);
    // A sweep with a TTL of 0 expires nothing anyway, so whether the scheduler
    // started shows only in the timer it sets; the TTL 1 start shows the spy sees it.
    const timers = jest.spyOn(global, 'setInterval');
    try {
      const off = startOrderExpiry({ ttlSeconds: 0, intervalMs: 20 });
      expect(timers).not.toHaveBeenCalled();
      await off.stop();

      const on = startOrderExpiry({ ttlSeconds: TTL, intervalMs: 60_000 });
      expect(timers).toHaveBeenCalledTimes(1);
      await on.stop();
    } finally {
      timers.mockRestore();
    }
    expect(await stored(ids[0]!)).toEqual({ status: 'pending', cancelReason: null });
  });
});

describe('in two real server processes sharing the database', () => {
  it('each server sweeps on its interval: unpaid orders expire by themselves, once, and the servers stop cleanly', async () => {
    const product = await buildProduct({ stock: 40 });
    const ids = await pendingOrders(12, product.id, 2);
    // Started after this test's rows exist (a sweep racing the suite's TRUNCATE between tests could deadlock it).
    const env = { PENDING_ORDER_TTL_SECONDS: String(TTL), ORDER_EXPIRY_SWEEP_SECONDS: '1' };
    const servers: ServerProcess[] = await Promise.all([startServerProcess({ env }), startServerProcess({ env })]);
    try {
      await until(async () => (await db().order.count({ where: { status: 'pending' } })) === 0, 'the servers to expire the orders');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }

    expect(await db().order.count({ where: { id: { in: ids }, status: 'cancelled', cancelReason: 'expired' } })).toBe(12);
    expect(await stockOf(product.id)).toBe(40);
    expect(await Promise.all(servers.map((s) => s.exited))).toEqual([0, 0]);
  }, 60_000);
});
