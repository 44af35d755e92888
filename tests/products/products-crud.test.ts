import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';

const valid = { name: 'Walnut Desk', description: 'Solid walnut.', price: '349.00', stock: 4 };

describe('reading products', () => {
  it('answers one product in the contract shape, price as a two-place string', async () => {
    const product = await buildProduct({ name: 'Mug', price: '7.5', stock: 3 });
    const res = await api().get(`/api/products/${product.id}/`).expect(200);
    expect(res.body).toEqual({
      id: product.id, name: 'Mug', description: 'A fine product', price: '7.50', stock: 3, image: null, category_id: null,
      created_at: expect.any(String), updated_at: expect.any(String),
    });
  });

  it('answers 404 for a missing or malformed id', async () => {
    await api().get('/api/products/424242/').expect(404);
    await api().get('/api/products/not-a-number/').expect(404);
    await api().get('/api/products/-1/').expect(404);
    await api().get('/api/products/1.0/').expect(404);
    await api().get('/api/products/0x1/').expect(404);
  });
});

describe('writing products is for staff only', () => {
  it('answers 401 without a token and 403 for a customer, creating nothing', async () => {
    const customer = await signedIn();
    const product = await buildProduct();
    await api().post('/api/products/').send(valid).expect(401);
    await api().post('/api/products/').set(customer.auth).send(valid).expect(403);
    await api().put(`/api/products/${product.id}/`).set(customer.auth).send(valid).expect(403);
    await api().patch(`/api/products/${product.id}/`).set(customer.auth).send({ stock: 0 }).expect(403);
    await api().delete(`/api/products/${product.id}/`).set(customer.auth).expect(403);
    expect(await db().product.count()).toBe(1);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(10);
  });
});

describe('POST /api/products/', () => {
  it('creates a product and answers 201 with it', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const res = await api().post('/api/products/').set(auth).send(valid).expect(201);
    expect(res.body).toMatchObject({ ...valid, image: null });
    expect(await db().product.count()).toBe(1);
  });

  it('takes the price as a number or a string and answers a string', async () => {
    const { auth } = await signedIn({ isStaff: true });
    expect((await api().post('/api/products/').set(auth).send({ ...valid, price: 19.9 }).expect(201)).body.price).toBe('19.90');
    expect((await api().post('/api/products/').set(auth).send({ ...valid, price: '5' }).expect(201)).body.price).toBe('5.00');
  });

  it('defaults description to empty and stock to 0', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const res = await api().post('/api/products/').set(auth).send({ name: 'Bare', price: '1.00' }).expect(201);
    expect(res.body).toMatchObject({ description: '', stock: 0 });
  });

  it.each([
    ['an empty name', { ...valid, name: '' }, 'name'],
    ['a name over 200 characters', { ...valid, name: 'x'.repeat(201) }, 'name'],
    ['a description over 5,000 characters', { ...valid, description: 'x'.repeat(5001) }, 'description'],
    ['a zero price', { ...valid, price: '0' }, 'price'],
    ['a negative price', { ...valid, price: '-3.00' }, 'price'],
    ['three decimal places', { ...valid, price: '1.999' }, 'price'],
    ['a price that is not a number', { ...valid, price: 'abc' }, 'price'],
    ['a price beyond Decimal(10,2)', { ...valid, price: '123456789.00' }, 'price'],
    ['a price in exponent form', { ...valid, price: 1e21 }, 'price'],
    ['a negative stock', { ...valid, stock: -1 }, 'stock'],
    ['a fractional stock', { ...valid, stock: 1.5 }, 'stock'],
    ['a stock beyond int4', { ...valid, stock: 3_000_000_000 }, 'stock'],
    ['a stock that is not a number', { ...valid, stock: 'many' }, 'stock'],
    ['a missing name and price', { description: 'no name or price' }, 'name'],
    ['a client-set total', { ...valid, total: '1.00' }, 'total'],
    ['a client-set id', { ...valid, id: 7 }, 'id'],
  ] as const)('refuses %s with 400 naming the field', async (_label, body, field) => {
    const { auth } = await signedIn({ isStaff: true });
    const res = await api().post('/api/products/').set(auth).send(body).expect(400);
    expect(res.body.errors[field]).toBeDefined();
    expect(await db().product.count()).toBe(0);
  });
});

describe('PUT and PATCH /api/products/<id>/', () => {
  it('PUT replaces every field; an omitted description becomes empty', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ description: 'old' });
    const res = await api().put(`/api/products/${product.id}`).set(auth).send({ name: 'New', price: '2.00', stock: 1 }).expect(200);
    expect(res.body).toMatchObject({ id: product.id, name: 'New', description: '', price: '2.00', stock: 1 });
  });

  it('PUT refuses a partial body', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct();
    const res = await api().put(`/api/products/${product.id}/`).set(auth).send({ name: 'Only name' }).expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['price', 'stock']);
  });

  it('PATCH changes only the given fields', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ name: 'Keep', price: '3.00', stock: 9 });
    const res = await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: 2 }).expect(200);
    expect(res.body).toMatchObject({ name: 'Keep', price: '3.00', stock: 2 });
  });

  it('PATCH refuses unknown fields and bad values, changing nothing', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 9 });
    await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: 1, created_at: '2000-01-01' }).expect(400);
    await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: -4 }).expect(400);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(9);
  });

  it('answers 404 for a product that does not exist', async () => {
    const { auth } = await signedIn({ isStaff: true });
    await api().patch('/api/products/999999/').set(auth).send({ stock: 1 }).expect(404);
    await api().put('/api/products/999999/').set(auth).send(valid).expect(404);
  });
});

describe('DELETE /api/products/<id>/', () => {
  it('removes the product from the catalog and from carts, answering 204', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const shopper = await signedIn();
    const product = await buildProduct();
    await db().cartItem.create({ data: { userId: shopper.user.id, productId: product.id, quantity: 1 } });
    await api().delete(`/api/products/${product.id}/`).set(auth).expect(204);
    await api().get(`/api/products/${product.id}/`).expect(404);
    expect(await db().cartItem.count()).toBe(0);
    await api().delete(`/api/products/${product.id}/`).set(auth).expect(404);
  });

  it('keeps every order line that refers to it, with its name and unit price as bought', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const buyer = await signedIn();
    const product = await buildProduct({ name: 'Vintage Lamp', price: '40.00' });
    const order = await db().order.create({
      data: {
        userId: buyer.user.id, total: '80.00',
        items: { create: [{ productId: product.id, productName: 'Vintage Lamp', unitPrice: '40.00', quantity: 2 }] },
      },
    });
    await api().patch(`/api/products/${product.id}/`).set(auth).send({ price: '99.00', name: 'Renamed Lamp' }).expect(200);
    await api().delete(`/api/products/${product.id}/`).set(auth).expect(204);

    const lines = await db().orderItem.findMany({ where: { orderId: order.id } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ productId: null, productName: 'Vintage Lamp', quantity: 2 });
    expect(lines[0]!.unitPrice.toFixed(2)).toBe('40.00');
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).total.toFixed(2)).toBe('80.00');
  });
});

describe('optimistic concurrency with ETag and If-Match', () => {
  it('refuses with 412 an edit based on a version that has changed, keeping the newer stock', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 10 });
    const read = await api().get(`/api/products/${product.id}/`).expect(200);
    const etag = read.headers.etag!;
    expect(etag).toMatch(/^"\d+-\d+"$/);

    // Three units sell after the admin's form was loaded.
    await db().product.update({ where: { id: product.id }, data: { stock: 7 } });
    const stale = await api().put(`/api/products/${product.id}/`).set(auth).set('If-Match', etag)
      .send({ name: 'Renamed', price: '10.00', stock: 10 }).expect(412);
    expect(stale.body.code).toBe('stale_version');
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(7);

    const fresh = await api().get(`/api/products/${product.id}/`).expect(200);
    const saved = await api().patch(`/api/products/${product.id}/`).set(auth).set('If-Match', fresh.headers.etag!).send({ name: 'Renamed' }).expect(200);
    expect(saved.body).toMatchObject({ name: 'Renamed', stock: 7 });
    expect(saved.headers.etag).not.toBe(fresh.headers.etag);
  });

  it('still accepts writes without If-Match', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 10 });
    await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: 4 }).expect(200);
  });
});
