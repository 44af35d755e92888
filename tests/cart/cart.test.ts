import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';
import { lockCart } from '../../src/modules/cart/cart.service';
import { addToCart, holdInTransaction, holdProductLock, stockOf, waitForLockWaiters } from '../support/shop';

describe('the cart', () => {
  it('needs a token on every route', async () => {
    await api().get('/api/cart/').expect(401);
    await api().post('/api/cart/').send({ product_id: 1, quantity: 1 }).expect(401);
    await api().get('/api/cart/summary/').expect(401);
    await api().delete('/api/cart/1/').expect(401);
  });

  it('adds a product and answers 201 with the line, subtotal from the current price', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ name: 'Mug', price: '4.10', stock: 5 });
    const res = await addToCart(auth, product.id, 3).expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      product: { id: product.id, name: 'Mug', price: '4.10', image: null, stock: 5 },
      quantity: 3,
      subtotal: '12.30',
    });
    const list = await api().get('/api/cart/').set(auth).expect(200);
    expect(list.body).toEqual([res.body]);
  });

  it('raises the quantity of the existing line when the same product is added again', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const first = await addToCart(auth, product.id, 2).expect(201);
    const second = await addToCart(auth, product.id, 3).expect(201);
    expect(second.body).toMatchObject({ id: first.body.id, quantity: 5 });
    expect(await db().cartItem.count()).toBe(1);
  });

  it('keeps one line with the summed quantity when adds of one product race', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 100 });
    const results = await Promise.all([...Array(8)].map(() => addToCart(auth, product.id, 2)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const lines = await db().cartItem.findMany();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.quantity).toBe(16);
  });

  it('refuses more than the stock, naming the stock, and changes nothing', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 4 });
    const tooMany = await addToCart(auth, product.id, 5).expect(400);
    expect(tooMany.body.errors.quantity[0]).toMatch(/Only 4 in stock/);
    await addToCart(auth, product.id, 3).expect(201);
    await addToCart(auth, product.id, 2).expect(400);
    expect((await db().cartItem.findFirstOrThrow()).quantity).toBe(3);
  });

  it.each([
    ['a zero quantity', { quantity: 0 }],
    ['a negative quantity', { quantity: -2 }],
    ['a fractional quantity', { quantity: 1.5 }],
    ['a string quantity', { quantity: 'two' }],
    ['an unknown field', { quantity: 1, price: '0.01' }],
  ])('refuses %s with 400', async (_label, extra) => {
    const { auth } = await signedIn();
    const product = await buildProduct();
    await api().post('/api/cart/').set(auth).send({ product_id: product.id, ...extra }).expect(400);
    expect(await db().cartItem.count()).toBe(0);
  });

  it('refuses a product that does not exist with 400 naming product_id', async () => {
    const { auth } = await signedIn();
    const res = await addToCart(auth, 987654, 1).expect(400);
    expect(res.body.errors.product_id).toBeDefined();
  });

  it('holds at most 100 lines: the 101st product is a 400', async () => {
    const { auth, user } = await signedIn();
    const products = await Promise.all([...Array(101)].map((_, i) => buildProduct({ name: `Line ${i}` })));
    await db().cartItem.createMany({ data: products.slice(0, 100).map((p) => ({ userId: user.id, productId: p.id, quantity: 1 })) });
    const res = await addToCart(auth, products[100]!.id, 1).expect(400);
    expect(res.body.detail).toMatch(/at most 100/);
    await addToCart(auth, products[0]!.id, 1).expect(201); // raising an existing line is still fine
    expect(await db().cartItem.count()).toBe(100);
  });

  it('reads, sets and removes one line', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 9 });
    const line = (await addToCart(auth, product.id, 1).expect(201)).body;
    expect((await api().get(`/api/cart/${line.id}/`).set(auth).expect(200)).body).toEqual(line);
    expect((await api().put(`/api/cart/${line.id}/`).set(auth).send({ quantity: 7 }).expect(200)).body.quantity).toBe(7);
    expect((await api().patch(`/api/cart/${line.id}`).set(auth).send({ quantity: 2 }).expect(200)).body.quantity).toBe(2);
    await api().patch(`/api/cart/${line.id}/`).set(auth).send({ quantity: 10 }).expect(400);
    await api().patch(`/api/cart/${line.id}/`).set(auth).send({ quantity: 2, product_id: 5 }).expect(400);
    await api().delete(`/api/cart/${line.id}/`).set(auth).expect(204);
    await api().get(`/api/cart/${line.id}/`).set(auth).expect(404);
  });

  it("answers 404 for another user's line on every method, and leaves it alone", async () => {
    const owner = await signedIn();
    const other = await signedIn();
    const product = await buildProduct();
    const line = (await addToCart(owner.auth, product.id, 2).expect(201)).body;
    await api().get(`/api/cart/${line.id}/`).set(other.auth).expect(404);
    await api().put(`/api/cart/${line.id}/`).set(other.auth).send({ quantity: 1 }).expect(404);
    await api().patch(`/api/cart/${line.id}/`).set(other.auth).send({ quantity: 1 }).expect(404);
    await api().delete(`/api/cart/${line.id}/`).set(other.auth).expect(404);
    expect((await api().get('/api/cart/').set(other.auth).expect(200)).body).toEqual([]);
    expect((await db().cartItem.findUniqueOrThrow({ where: { id: line.id } })).quantity).toBe(2);
  });

  it('sums quantities and cost exactly, with decimal arithmetic', async () => {
    const { auth } = await signedIn();
    const a = await buildProduct({ price: '0.10', stock: 100 });
    const b = await buildProduct({ price: '0.20', stock: 100 });
    const c = await buildProduct({ price: '19.99', stock: 100 });
    await addToCart(auth, a.id, 3).expect(201);
    await addToCart(auth, b.id, 1).expect(201);
    await addToCart(auth, c.id, 3).expect(201);
    // 0.30 + 0.20 + 59.97: floats would give 60.470000000000006
    expect((await api().get('/api/cart/summary/').set(auth).expect(200)).body).toEqual({ total_items: 7, total_cost: '60.47' });
  });

  it('summarises an empty cart as zero', async () => {
    const { auth } = await signedIn();
    expect((await api().get('/api/cart/summary').set(auth).expect(200)).body).toEqual({ total_items: 0, total_cost: '0.00' });
  });

  it('follows price changes: lines and summary use the current price', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ price: '5.00' });
    await addToCart(auth, product.id, 2).expect(201);
    await db().product.update({ where: { id: product.id }, data: { price: '6.50' } });
    expect((await api().get('/api/cart/').set(auth).expect(200)).body[0].subtotal).toBe('13.00');
    expect((await api().get('/api/cart/summary/').set(auth).expect(200)).body.total_cost).toBe('13.00');
  });
});

describe('the cart summary with very large amounts', () => {
  it('sums beyond what a single order may hold without failing', async () => {
    const { auth } = await signedIn();
    const dear = await buildProduct({ price: '99999999.99', stock: 50_000 });
    await addToCart(auth, dear.id, 20_000).expect(201);
    const res = await api().get('/api/cart/summary/').set(auth).expect(200);
    expect(res.body).toEqual({ total_items: 20_000, total_cost: '1999999999800.00' });
  });
});

describe('the cart lock', () => {
  it('does not hold up the same user logging in or refreshing while a cart write is in flight', async () => {
    const { user, tokens } = await signedIn();
    const cartWrite = await holdInTransaction((tx) => lockCart(tx, user.id));
    try {
      // Both insert a refresh token, whose foreign key share-locks the user row.
      const attempts = Promise.all([
        api().post('/api/token/').send({ username: user.username, password: user.password }),
        api().post('/api/token/refresh/').send({ refresh: tokens.refresh }),
      ]);
      const outcome = await Promise.race([attempts, new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 5_000))]);
      expect(outcome).not.toBe('blocked');
      expect((outcome as { status: number }[]).map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await cartWrite.release();
    }
  });
});

describe('a cart line removed while a checkout runs', () => {
  it('is either ordered and then gone (404), never answered 204 and ordered anyway', async () => {
    const { auth } = await signedIn();
    const busy = await buildProduct({ stock: 5 });
    const line = (await addToCart(auth, busy.id, 2).expect(201)).body;
    // The checkout has read the cart and waits for the busy product's lock.
    const lock = await holdProductLock(busy.id);
    const checkout = api().post('/api/orders/checkout/').set(auth).then((res) => res);
    await waitForLockWaiters(1);

    const removal = api().delete(`/api/cart/${line.id}/`).set(auth).then((res) => res);
    await waitForLockWaiters(2); // the removal queues behind the checkout's cart lock
    await lock.release();

    const [ordered, removed] = await Promise.all([checkout, removal]);
    expect(ordered.status).toBe(201);
    expect(ordered.body.items).toEqual([expect.objectContaining({ product_id: busy.id, quantity: 2 })]);
    expect(removed.status).toBe(404);
    expect(await stockOf(busy.id)).toBe(3);
    expect((await api().get('/api/cart/').set(auth).expect(200)).body).toEqual([]);
  });
});
