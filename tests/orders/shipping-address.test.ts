// Where an order ships: given in full or taken from the address book, copied
// onto the order (later edits of the book never change it), optional unless
// REQUIRE_SHIPPING_ADDRESS, and part of what an Idempotency-Key remembers.
// Checkout with no body, or {}, works as it always did.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { HOME, HOME_AS_ANSWERED, buildAddress } from '../support/addresses';
import { api, buildProduct, signedIn } from '../support/api';
import { contractChecked } from '../support/contract';
import { addToCart, stockOf } from '../support/shop';

type Auth = Record<string, string>;
type App = Parameters<typeof request>[0];

const BOOK_ENTRY = { full_name: 'Max Muster', line1: 'Hauptstraße 1', line2: '', city: 'Berlin', region: '', postal_code: '10115', country: 'DE', phone: '' };

async function shopper() {
  const customer = await signedIn();
  const product = await buildProduct({ price: '5.00', stock: 10 });
  return { ...customer, product, items: [{ product_id: product.id, quantity: 1 }] };
}

const order = (auth: Auth, body: object, path = '/api/orders/') => api().post(path).set(auth).send(body);
const checkout = (auth: Auth) => api().post('/api/orders/checkout/').set(auth);
const storedAddress = async (id: number) => (await db().order.findUniqueOrThrow({ where: { id } })).shippingAddress;

describe('an order with a shipping address', () => {
  it('keeps the address given, on both creation paths, with "" for the optional fields', async () => {
    const { auth, items } = await shopper();
    const full = { ...HOME, line2: '3rd floor', region: 'NRW', phone: '+49 221 1234567' };

    const plain = await order(auth, { items, shipping_address: HOME }).expect(201);
    const complete = await order(auth, { items, shipping_address: full }, '/api/orders/create/').expect(201);

    expect(plain.body.shipping_address).toEqual(HOME_AS_ANSWERED);
    expect(Object.keys(plain.body.shipping_address)).toEqual(['full_name', 'line1', 'line2', 'city', 'region', 'postal_code', 'country', 'phone']);
    expect(complete.body.shipping_address).toEqual(full);
    expect(await storedAddress(plain.body.id)).toEqual(HOME_AS_ANSWERED);
    expect((await api().get(`/api/orders/${plain.body.id}/`).set(auth).expect(200)).body.shipping_address).toEqual(HOME_AS_ANSWERED);
    const listed = (await api().get('/api/orders/').set(auth).expect(200)).body.results;
    expect(listed.map((o: { shipping_address: unknown }) => o.shipping_address)).toEqual([full, HOME_AS_ANSWERED]);
  });

  it('copies an entry of my address book with address_id', async () => {
    const { auth, user, items } = await shopper();
    const entry = await buildAddress(user.id);

    const res = await order(auth, { items, address_id: entry.id }).expect(201);

    expect(res.body.shipping_address).toEqual(BOOK_ENTRY);
  });

  it('keeps the copy when the address book entry is later changed or deleted', async () => {
    const { auth, user, items } = await shopper();
    const entry = await buildAddress(user.id);
    const placed = (await order(auth, { items, address_id: entry.id }).expect(201)).body;

    await api().patch(`/api/users/me/addresses/${entry.id}/`).set(auth).send({ city: 'Hamburg', postal_code: '20095' }).expect(200);
    expect((await api().get(`/api/orders/${placed.id}/`).set(auth).expect(200)).body.shipping_address).toEqual(BOOK_ENTRY);

    await api().delete(`/api/users/me/addresses/${entry.id}/`).set(auth).expect(204);
    expect((await api().get(`/api/orders/${placed.id}/`).set(auth).expect(200)).body.shipping_address).toEqual(BOOK_ENTRY);
  });

  it('refuses another user\'s address_id, or one that does not exist, with 400, and orders nothing', async () => {
    const { auth, product, items } = await shopper();
    const stranger = await signedIn();
    const theirs = await buildAddress(stranger.user.id);

    for (const id of [theirs.id, 999999]) {
      const res = await order(auth, { items, address_id: id }).expect(400);
      expect(res.body.errors.address_id).toEqual([`Invalid pk "${id}" - object does not exist.`]);
    }
    expect(await db().order.count()).toBe(0);
    expect(await stockOf(product.id)).toBe(10);
  });

  it.each([
    ['both an address and an address_id', { shipping_address: HOME, address_id: 1 }, 'address_id'],
    ['a lower-case country', { shipping_address: { ...HOME, country: 'de' } }, 'shipping_address.country'],
    ['an address without a city', { shipping_address: { ...HOME, city: undefined } }, 'shipping_address.city'],
    ['an unknown address field', { shipping_address: { ...HOME, is_default: true } }, 'shipping_address.is_default'],
    ['an address_id that is not an id', { address_id: '1' }, 'address_id'],
  ])('refuses %s with 400', async (_case, shipping, field) => {
    const { auth, user, items } = await shopper();
    await buildAddress(user.id);
    const res = await order(auth, { items, ...shipping }).expect(400);
    expect(res.body.errors[field]).toBeDefined();
    expect(await db().order.count()).toBe(0);
  });

  it('is null when none is given', async () => {
    const { auth, items } = await shopper();
    const res = await order(auth, { items }).expect(201);
    expect(res.body.shipping_address).toBeNull();
    expect(await storedAddress(res.body.id)).toBeNull();
  });
});

describe('checkout with a shipping address', () => {
  it('keeps the address given', async () => {
    const { auth, product } = await shopper();
    await addToCart(auth, product.id, 2).expect(201);

    const res = await checkout(auth).send({ shipping_address: HOME }).expect(201);

    expect(res.body.shipping_address).toEqual(HOME_AS_ANSWERED);
    expect(res.body.items).toHaveLength(1);
    expect((await api().get('/api/cart/').set(auth).expect(200)).body).toEqual([]);
  });

  it('copies an address book entry, and refuses another user\'s with 400, keeping the cart', async () => {
    const { auth, user, product } = await shopper();
    const mine = await buildAddress(user.id);
    const theirs = await buildAddress((await signedIn()).user.id);
    await addToCart(auth, product.id).expect(201);

    const refused = await checkout(auth).send({ address_id: theirs.id }).expect(400);
    expect(refused.body.errors.address_id).toBeDefined();
    expect((await api().get('/api/cart/').set(auth).expect(200)).body).toHaveLength(1);

    expect((await checkout(auth).send({ address_id: mine.id }).expect(201)).body.shipping_address).toEqual(BOOK_ENTRY);
  });

  it('works as before with no body at all, with {}, and with an empty JSON body: no address', async () => {
    const { auth, product } = await shopper();
    const bodies: ((req: request.Test) => request.Test)[] = [
      (req) => req,
      (req) => req.send({}),
      (req) => req.set('Content-Type', 'application/json').send(''),
    ];
    for (const withBody of bodies) {
      await addToCart(auth, product.id).expect(201);
      const res = await withBody(checkout(auth)).expect(201);
      expect(res.body.shipping_address).toBeNull();
    }
    expect(await db().order.count()).toBe(3);
  });

  it('refuses an unknown field and a body that is not JSON', async () => {
    const { auth, product } = await shopper();
    await addToCart(auth, product.id).expect(201);
    expect((await checkout(auth).send({ total: '0.01' }).expect(400)).body.errors.total).toBeDefined();
    await checkout(auth).set('Content-Type', 'text/plain').send('hello').expect(415);
    expect(await db().order.count()).toBe(0);
  });
});

describe('REQUIRE_SHIPPING_ADDRESS', () => {
  const requiring = (): App => contractChecked(createApp({ config: { ...config, orders: { ...config.orders, requireShippingAddress: true } } }));

  it('refuses an order or a checkout without an address with 400, changing nothing', async () => {
    const app = requiring();
    const { auth, product, items } = await shopper();
    await addToCart(auth, product.id).expect(201);

    const direct = await request(app).post('/api/orders/').set(auth).send({ items }).expect(400);
    const bare = await request(app).post('/api/orders/checkout/').set(auth).expect(400);
    const empty = await request(app).post('/api/orders/checkout/').set(auth).send({}).expect(400);

    for (const res of [direct, bare, empty]) {
      expect(res.body.errors.shipping_address).toEqual(['A shipping address is required: send shipping_address, or address_id from your address book.']);
    }
    expect(await db().order.count()).toBe(0);
    expect(await stockOf(product.id)).toBe(10);
  });

  it('takes an order or a checkout with one, given or from the address book', async () => {
    const app = requiring();
    const { auth, user, product, items } = await shopper();
    const entry = await buildAddress(user.id);
    await addToCart(auth, product.id).expect(201);

    await request(app).post('/api/orders/create/').set(auth).send({ items, shipping_address: HOME }).expect(201);
    await request(app).post('/api/orders/').set(auth).send({ items, address_id: entry.id }).expect(201);
    await request(app).post('/api/orders/checkout/').set(auth).send({ address_id: entry.id }).expect(201);
    expect(await db().order.count()).toBe(3);
  });

  it('is off by default', () => {
    expect(config.orders.requireShippingAddress).toBe(false);
  });
});

describe('Idempotency-Key with a shipping address', () => {
  it('replays the same request, and answers 422 for the same key with another address', async () => {
    const { auth, items } = await shopper();
    const first = await order(auth, { items, shipping_address: HOME }).set('Idempotency-Key', 'ship-1').expect(201);

    const retry = await order(auth, { items, shipping_address: { ...HOME, line2: '' } }).set('Idempotency-Key', 'ship-1').expect(201);
    const moved = await order(auth, { items, shipping_address: { ...HOME, city: 'Bonn' } }).set('Idempotency-Key', 'ship-1').expect(422);
    const none = await order(auth, { items }).set('Idempotency-Key', 'ship-1').expect(422);

    expect(retry.body).toEqual(first.body);
    expect(moved.body.code).toBe('idempotency_key_reused');
    expect(none.body.code).toBe('idempotency_key_reused');
    expect(await db().order.count()).toBe(1);
  });

  it('tells checkouts apart by their address, and keeps a checkout without one as it was', async () => {
    const { auth, user, product } = await shopper();
    const entry = await buildAddress(user.id);
    await addToCart(auth, product.id).expect(201);

    const first = await checkout(auth).set('Idempotency-Key', 'cart-1').send({ address_id: entry.id }).expect(201);
    await checkout(auth).set('Idempotency-Key', 'cart-1').send({ shipping_address: HOME }).expect(422);
    await checkout(auth).set('Idempotency-Key', 'cart-1').expect(422);
    expect((await checkout(auth).set('Idempotency-Key', 'cart-1').send({ address_id: entry.id }).expect(201)).body.id).toBe(first.body.id);

    // No body and {} are one request, as they were before addresses.
    await addToCart(auth, product.id).expect(201);
    const bare = await checkout(auth).set('Idempotency-Key', 'cart-2').expect(201);
    const empty = await checkout(auth).set('Idempotency-Key', 'cart-2').send({}).expect(201);
    expect(empty.body.id).toBe(bare.body.id);
    expect(await db().order.count()).toBe(2);
  });

  it('still replays a checkout whose key was remembered before addresses existed', async () => {
    const { auth, user, product } = await shopper();
    await addToCart(auth, product.id).expect(201);
    const earlier = (await checkout(auth).expect(201)).body;
    // What the server stored for a keyed checkout until now: the route, no body.
    const fingerprint = createHash('sha256').update(JSON.stringify(['checkout', null])).digest('hex');
    await db().idempotencyKey.create({
      data: { userId: user.id, key: 'from-yesterday', fingerprint, responseStatus: 201, responseBody: earlier, expiresAt: new Date(Date.now() + 3_600_000) },
    });

    const retry = await checkout(auth).set('Idempotency-Key', 'from-yesterday').expect(201);

    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(earlier.id);
  });
});
