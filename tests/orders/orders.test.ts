import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';
import { placeOrder, stockOf } from '../support/shop';

type Auth = Record<string, string>;
const patchStatus = (auth: Auth, id: number, status: string) => api().patch(`/api/orders/${id}/`).set(auth).send({ status });

async function orderOf(auth: Auth, quantity = 2, stock = 10) {
  const product = await buildProduct({ stock, price: '5.00' });
  const order = await placeOrder(auth, [{ product_id: product.id, quantity }]);
  return { product, order };
}

describe('POST /api/orders/ and /api/orders/create/', () => {
  it('creates an order from items at database prices, on both paths', async () => {
    const { auth } = await signedIn();
    const a = await buildProduct({ price: '2.50', stock: 10 });
    const b = await buildProduct({ price: '1.25', stock: 10 });
    const res = await api().post('/api/orders/').set(auth).send({ items: [{ product_id: a.id, quantity: 2 }, { product_id: b.id, quantity: 4 }] }).expect(201);
    expect(res.body).toMatchObject({ status: 'pending', total: '10.00' });
    await api().post('/api/orders/create/').set(auth).send({ items: [{ product_id: a.id, quantity: 1 }] }).expect(201);
    expect(await stockOf(a.id)).toBe(7);
    expect(await stockOf(b.id)).toBe(6);
  });

  it.each([
    ['no items', { items: [] }, 'items'],
    ['a repeated product', { items: [{ product_id: 1, quantity: 1 }, { product_id: 1, quantity: 2 }] }, 'items.1.product_id'],
    ['a zero quantity', { items: [{ product_id: 1, quantity: 0 }] }, 'items.0.quantity'],
    ['a client price', { items: [{ product_id: 1, quantity: 1, price: '0.01' }] }, 'items.0.price'],
    ['a client total', { items: [{ product_id: 1, quantity: 1 }], total: '0.01' }, 'total'],
    ['101 lines', { items: [...Array(101)].map((_, i) => ({ product_id: i + 1, quantity: 1 })) }, 'items'],
  ])('refuses %s with 400 and changes nothing', async (_label, body, field) => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const res = await api().post('/api/orders/').set(auth).send(body).expect(400);
    expect(res.body.errors[field]).toBeDefined();
    expect(await stockOf(product.id)).toBe(10);
    expect(await db().order.count()).toBe(0);
  });

  it('refuses a product that does not exist with 400, leaving the other products untouched', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 10 });
    const res = await api().post('/api/orders/').set(auth).send({ items: [{ product_id: product.id, quantity: 1 }, { product_id: 999999, quantity: 1 }] }).expect(400);
    expect(res.body.errors.items[0]).toMatch(/999999 does not exist/);
    expect(await stockOf(product.id)).toBe(10);
  });

  it('answers 409 naming the short product when the stock does not cover the quantity', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ name: 'Rare', stock: 1 });
    const res = await api().post('/api/orders/').set(auth).send({ items: [{ product_id: product.id, quantity: 3 }] }).expect(409);
    expect(res.body.shortages).toEqual([{ product_id: product.id, name: 'Rare', requested: 3, available: 1 }]);
  });
});

describe('reading orders', () => {
  it('lists my own orders newest first, paginated; my-orders too', async () => {
    const me = await signedIn();
    const other = await signedIn();
    const first = (await orderOf(me.auth)).order;
    const second = (await orderOf(me.auth)).order;
    await orderOf(other.auth);

    for (const path of ['/api/orders/', '/api/orders/my-orders/']) {
      const res = await api().get(path).set(me.auth).expect(200);
      expect(res.body.count).toBe(2);
      expect(res.body.results.map((o: { id: number }) => o.id)).toEqual([second.id, first.id]);
    }
    const paged = await api().get('/api/orders/?page_size=1').set(me.auth).expect(200);
    expect(paged.body.next).toMatch(/page=2/);
  });

  it('lets staff see every order and filter by ?user=, while my-orders stays their own', async () => {
    const admin = await signedIn({ isStaff: true });
    const alice = await signedIn();
    const bob = await signedIn();
    await orderOf(alice.auth);
    await orderOf(bob.auth);
    await orderOf(bob.auth);
    expect((await api().get('/api/orders/').set(admin.auth).expect(200)).body.count).toBe(3);
    const filtered = await api().get(`/api/orders/?user=${bob.user.id}`).set(admin.auth).expect(200);
    expect(filtered.body.count).toBe(2);
    expect(filtered.body.results.every((o: { user_id: number }) => o.user_id === bob.user.id)).toBe(true);
    expect((await api().get('/api/orders/my-orders/').set(admin.auth).expect(200)).body.count).toBe(0);
  });

  it('ignores ?user= from a customer: they still see only their own', async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    await orderOf(bob.auth);
    expect((await api().get(`/api/orders/?user=${bob.user.id}`).set(alice.auth).expect(200)).body.count).toBe(0);
  });

  it("answers 404 for another user's order on GET, PUT, PATCH and DELETE, changing nothing", async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const { order, product } = await orderOf(owner.auth);
    await api().get(`/api/orders/${order.id}/`).set(stranger.auth).expect(404);
    await api().put(`/api/orders/${order.id}/`).set(stranger.auth).send({ status: 'cancelled' }).expect(404);
    await patchStatus(stranger.auth, order.id, 'cancelled').expect(404);
    await api().delete(`/api/orders/${order.id}/`).set(stranger.auth).expect(404);
    expect((await api().get(`/api/orders/${order.id}/`).set(owner.auth).expect(200)).body.status).toBe('pending');
    expect(await stockOf(product.id)).toBe(8);
  });

  it('keeps the order readable after the customer account is deleted', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const { order } = await orderOf(customer.auth);
    await api().delete(`/api/users/${customer.user.id}/`).set(admin.auth).expect(204);
    const res = await api().get(`/api/orders/${order.id}/`).set(admin.auth).expect(200);
    expect(res.body).toMatchObject({ id: order.id, user_id: null, total: '10.00' });
  });
});

describe('the status machine', () => {
  it('lets the owner cancel a pending order, putting the stock back', async () => {
    const { auth } = await signedIn();
    const { order, product } = await orderOf(auth, 3);
    expect(await stockOf(product.id)).toBe(7);
    const res = await patchStatus(auth, order.id, 'cancelled').expect(200);
    expect(res.body.status).toBe('cancelled');
    expect(await stockOf(product.id)).toBe(10);
    // Still readable, never erased.
    expect((await api().get(`/api/orders/${order.id}/`).set(auth).expect(200)).body.status).toBe('cancelled');
  });

  it('cancels an order whose product was deleted meanwhile, restocking what still exists', async () => {
    const admin = await signedIn({ isStaff: true });
    const { auth } = await signedIn();
    const kept = await buildProduct({ stock: 10 });
    const gone = await buildProduct({ stock: 10 });
    const order = await placeOrder(auth, [{ product_id: kept.id, quantity: 2 }, { product_id: gone.id, quantity: 3 }]);
    await api().delete(`/api/products/${gone.id}/`).set(admin.auth).expect(204);

    const res = await patchStatus(auth, order.id, 'cancelled').expect(200);
    expect(res.body.items.map((i: { product_id: number | null }) => i.product_id)).toEqual([kept.id, null]);
    expect(await stockOf(kept.id)).toBe(10);
  });

  it('lets the owner cancel with DELETE, which answers 204 and keeps the order', async () => {
    const { auth } = await signedIn();
    const { order, product } = await orderOf(auth, 4);
    await api().delete(`/api/orders/${order.id}/`).set(auth).expect(204);
    expect(await stockOf(product.id)).toBe(10);
    expect(await db().order.count()).toBe(1);
    const again = await api().delete(`/api/orders/${order.id}/`).set(auth).expect(409);
    expect(again.body.allowed).toEqual([]);
    expect(await stockOf(product.id)).toBe(10);
  });

  it('refuses the owner any other change with 409 naming the allowed ones', async () => {
    const { auth } = await signedIn();
    const { order } = await orderOf(auth);
    const res = await patchStatus(auth, order.id, 'paid').expect(409);
    expect(res.body.allowed).toEqual(['cancelled']);
    expect(res.body.detail).toMatch(/Allowed: cancelled/);
  });

  it('lets staff move an order one step at a time, to delivered', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const { order } = await orderOf(customer.auth);
    await patchStatus(admin.auth, order.id, 'shipped').expect(409);
    for (const status of ['paid', 'shipped', 'delivered']) {
      expect((await patchStatus(admin.auth, order.id, status).expect(200)).body.status).toBe(status);
    }
    const done = await patchStatus(admin.auth, order.id, 'cancelled').expect(409);
    expect(done.body.allowed).toEqual([]);
  });

  it('lets staff cancel before shipping but not after, and the owner not once paid', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const paid = await orderOf(customer.auth, 2);
    await patchStatus(admin.auth, paid.order.id, 'paid').expect(200);
    await patchStatus(customer.auth, paid.order.id, 'cancelled').expect(409);
    await patchStatus(admin.auth, paid.order.id, 'cancelled').expect(200);
    expect(await stockOf(paid.product.id)).toBe(10);

    const shipped = await orderOf(customer.auth, 2);
    await patchStatus(admin.auth, shipped.order.id, 'paid').expect(200);
    await patchStatus(admin.auth, shipped.order.id, 'shipped').expect(200);
    const res = await patchStatus(admin.auth, shipped.order.id, 'cancelled').expect(409);
    expect(res.body.allowed).toEqual(['delivered']);
    expect(await stockOf(shipped.product.id)).toBe(8);
  });

  it('refuses any field but status on PUT and PATCH', async () => {
    const admin = await signedIn({ isStaff: true });
    const { order } = await orderOf(admin.auth);
    for (const body of [{ total: '0.01' }, { status: 'paid', user_id: 1 }, { items: [] }, { status: 'refunded' }, {}]) {
      await api().patch(`/api/orders/${order.id}/`).set(admin.auth).send(body).expect(400);
      await api().put(`/api/orders/${order.id}/`).set(admin.auth).send(body).expect(400);
    }
    const stored = await db().order.findUniqueOrThrow({ where: { id: order.id } });
    expect(stored.total.toFixed(2)).toBe('10.00');
    expect(stored.status).toBe('pending');
  });

  it('says who cancelled: the customer or staff, and null while not cancelled', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const mine = await orderOf(customer.auth);
    const theirs = await orderOf(customer.auth);
    expect(mine.order).toMatchObject({ status: 'pending', cancel_reason: null });

    expect((await patchStatus(customer.auth, mine.order.id, 'cancelled').expect(200)).body.cancel_reason).toBe('customer');
    await api().delete(`/api/orders/${theirs.order.id}/`).set(admin.auth).expect(204);
    expect((await api().get(`/api/orders/${theirs.order.id}/`).set(customer.auth).expect(200)).body.cancel_reason).toBe('staff');
  });

  it('of concurrent cancels exactly one applies, and the stock comes back once', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const { order, product } = await orderOf(customer.auth, 5);
    const attempts = await Promise.all([
      ...[1, 2, 3].map(() => patchStatus(customer.auth, order.id, 'cancelled')),
      ...[1, 2, 3].map(() => api().delete(`/api/orders/${order.id}/`).set(admin.auth)),
    ]);
    const statuses = attempts.map((r) => r.status);
    expect(statuses.filter((s) => s === 200 || s === 204)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(await stockOf(product.id)).toBe(10);
  });

  it('of a concurrent pay and cancel exactly one wins', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await signedIn();
    const { order, product } = await orderOf(customer.auth, 5);
    const [pay, cancel] = await Promise.all([patchStatus(admin.auth, order.id, 'paid'), patchStatus(customer.auth, order.id, 'cancelled')]);
    expect([pay.status, cancel.status].sort()).toEqual([200, 409]);
    const final = await db().order.findUniqueOrThrow({ where: { id: order.id } });
    expect(await stockOf(product.id)).toBe(final.status === 'cancelled' ? 10 : 5);
  });
});
