import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';
import { addToCart, holdProductLock, stockOf, waitForLockWaiters } from '../support/shop';

const checkout = (auth: Record<string, string>, key?: string) => {
  const req = api().post('/api/orders/checkout/').set(auth);
  return key ? req.set('Idempotency-Key', key) : req;
};

describe('POST /api/orders/checkout/', () => {
  it('turns the cart into an order with snapshots and a server total, decrements stock and empties the cart', async () => {
    const { auth, user } = await signedIn();
    const lamp = await buildProduct({ name: 'Lamp', price: '19.99', stock: 5 });
    const mug = await buildProduct({ name: 'Mug', price: '0.10', stock: 10 });
    await addToCart(auth, lamp.id, 2).expect(201);
    await addToCart(auth, mug.id, 3).expect(201);

    const res = await checkout(auth).expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      user_id: user.id,
      status: 'pending',
      cancel_reason: null,
      total: '40.28',
      shipping_address: null,
      items: [
        { id: expect.any(Number), product_id: lamp.id, product_name: 'Lamp', unit_price: '19.99', quantity: 2, subtotal: '39.98' },
        { id: expect.any(Number), product_id: mug.id, product_name: 'Mug', unit_price: '0.10', quantity: 3, subtotal: '0.30' },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await stockOf(lamp.id)).toBe(3);
    expect(await stockOf(mug.id)).toBe(7);
    expect((await api().get('/api/cart/').set(auth).expect(200)).body).toEqual([]);
  });

  it('keeps the price as bought when the product later changes', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ name: 'Chair', price: '50.00' });
    await addToCart(auth, product.id, 1).expect(201);
    const order = (await checkout(auth).expect(201)).body;
    await db().product.update({ where: { id: product.id }, data: { price: '75.00', name: 'Chair v2' } });
    const read = (await api().get(`/api/orders/${order.id}/`).set(auth).expect(200)).body;
    expect(read.items[0]).toMatchObject({ product_name: 'Chair', unit_price: '50.00' });
    expect(read.total).toBe('50.00');
  });

  it('answers 400 for an empty cart and creates nothing', async () => {
    const { auth } = await signedIn();
    const res = await checkout(auth).expect(400);
    expect(res.body.detail).toBe('Your cart is empty.');
    expect(await db().order.count()).toBe(0);
  });

  it('answers 409 listing every short product with what is available, and changes nothing', async () => {
    const { auth, user } = await signedIn();
    const plenty = await buildProduct({ name: 'Plenty', stock: 50 });
    const scarce = await buildProduct({ name: 'Scarce', stock: 5 });
    const gone = await buildProduct({ name: 'Gone', stock: 5 });
    for (const [p, q] of [[plenty, 3], [scarce, 4], [gone, 2]] as const) await addToCart(auth, p.id, q).expect(201);
    // Others bought meanwhile.
    await db().product.update({ where: { id: scarce.id }, data: { stock: 1 } });
    await db().product.update({ where: { id: gone.id }, data: { stock: 0 } });

    const res = await checkout(auth).expect(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.body.shortages).toEqual([
      { product_id: scarce.id, name: 'Scarce', requested: 4, available: 1 },
      { product_id: gone.id, name: 'Gone', requested: 2, available: 0 },
    ]);
    expect(res.body.detail).toMatch(/Scarce \(1 available\).*Gone \(0 available\)/);
    expect([await stockOf(plenty.id), await stockOf(scarce.id), await stockOf(gone.id)]).toEqual([50, 1, 0]);
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(3);
    expect(await db().order.count()).toBe(0);
  });

  it('refuses an order whose total would not fit the money column, changing nothing', async () => {
    const { auth } = await signedIn();
    const dear = await buildProduct({ price: '99999999.99', stock: 5 });
    await addToCart(auth, dear.id, 2).expect(201);
    const res = await checkout(auth).expect(400);
    expect(res.body.errors.items[0]).toMatch(/may not exceed/);
    expect(await stockOf(dear.id)).toBe(5);
  });
});

describe('a crash in the middle of checkout', () => {
  afterEach(async () => {
    await db().$executeRawUnsafe('DROP TRIGGER IF EXISTS simulated_crash ON order_items');
    await db().$executeRawUnsafe('DROP FUNCTION IF EXISTS simulated_crash()');
  });

  it('after the stock update leaves stock, cart and orders exactly as before', async () => {
    const { auth, user } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    await addToCart(auth, product.id, 2).expect(201);
    // The order lines are written after the stock is decremented and the
    // order row inserted: failing there is a crash in the middle.
    await db().$executeRawUnsafe(`CREATE FUNCTION simulated_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$`);
    await db().$executeRawUnsafe('CREATE TRIGGER simulated_crash BEFORE INSERT ON order_items FOR EACH ROW EXECUTE FUNCTION simulated_crash()');

    const res = await checkout(auth, 'crash-key');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/simulated crash|prisma|at .*\.ts/i);

    expect(await stockOf(product.id)).toBe(5);
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(1);
    expect(await db().order.count()).toBe(0);
    expect(await db().idempotencyKey.count()).toBe(0);

    // Once the fault is gone the same key simply works.
    await db().$executeRawUnsafe('DROP TRIGGER simulated_crash ON order_items');
    await checkout(auth, 'crash-key').expect(201);
    expect(await stockOf(product.id)).toBe(3);
  });
});

describe('Idempotency-Key', () => {
  it('a retry of checkout returns the same order and creates nothing new', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    await addToCart(auth, product.id, 2).expect(201);
    const first = await checkout(auth, 'key-1').expect(201);
    const retry = await checkout(auth, 'key-1').expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await db().order.count()).toBe(1);
    expect(await stockOf(product.id)).toBe(3);
  });

  it('a retry of order creation returns the same order; the same key with another body is 422', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    const first = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'k').send(body).expect(201);
    const retry = await api().post('/api/orders/create/').set(auth).set('Idempotency-Key', 'k').send(body).expect(201);
    expect(retry.body.id).toBe(first.body.id);
    const other = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'k').send({ items: [{ product_id: product.id, quantity: 2 }] }).expect(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    await checkout(auth, 'k').expect(422);
    expect(await db().order.count()).toBe(1);
    expect(await stockOf(product.id)).toBe(4);
  });

  it('keys belong to one user: another user may use the same key', async () => {
    const a = await signedIn();
    const b = await signedIn();
    const product = await buildProduct({ stock: 5 });
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    const first = await api().post('/api/orders/').set(a.auth).set('Idempotency-Key', 'shared').send(body).expect(201);
    const second = await api().post('/api/orders/').set(b.auth).set('Idempotency-Key', 'shared').send(body).expect(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.user_id).toBe(b.user.id);
  });

  it('a retry while the first attempt still runs is 409, and only one order is made', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    await addToCart(auth, product.id, 1).expect(201);
    // The first checkout waits inside its transaction for the product's lock.
    const lock = await holdProductLock(product.id);
    const first = checkout(auth, 'slow').then((r) => r);
    await waitForLockWaiters(1);
    const retry = await checkout(auth, 'slow');
    await lock.release();
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('idempotency_key_in_use');
    expect((await first).status).toBe(201);
    expect(await db().order.count()).toBe(1);
  });

  it('a failed attempt is not remembered: the retry runs again', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 1 });
    const body = { items: [{ product_id: product.id, quantity: 2 }] };
    await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'again').send(body).expect(409);
    await db().product.update({ where: { id: product.id }, data: { stock: 2 } });
    await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'again').send(body).expect(201);
  });

  it('an expired key (after 24 hours) is forgotten', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    const body = { items: [{ product_id: product.id, quantity: 1 }] };
    const first = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'old').send(body).expect(201);
    await db().idempotencyKey.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const later = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'old').send(body).expect(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(await db().idempotencyKey.count()).toBe(1);
  });

  it('refuses a malformed key with 400', async () => {
    const { auth } = await signedIn();
    const res = await checkout(auth, 'x'.repeat(256)).expect(400);
    expect(res.body.errors['idempotency-key']).toBeDefined();
    await checkout(auth, 'has space').expect(400);
  });
});
