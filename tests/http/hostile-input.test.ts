// No input produces a 500: every documented operation gets a battery of
// malformed bodies, queries and ids, as a staff user (so authorization does not
// stop the request early), and must answer with a 4xx problem every time.
// Payments are configured (against a Stripe double), as in a shop that sells.
import request from 'supertest';
import { buildProduct, signedIn } from '../support/api';
import { document } from '../support/contract';
import { withStripeDouble } from '../support/payments';

const shop = withStripeDouble();

const NUL = 'a\u0000b';
const BODIES: unknown[] = [
  {},
  [],
  'just a string',
  42,
  { name: NUL, price: '1.00', stock: 1, username: NUL, password: NUL, email: `${NUL}@x.io`, quantity: 1, product_id: 1, status: NUL, refresh: NUL, token: NUL },
  { items: [{ product_id: '1; DROP TABLE products', quantity: 1 }] },
  { items: [{ product_id: 1e308, quantity: -1e308 }], quantity: Number.MAX_SAFE_INTEGER, product_id: 2 ** 31 },
  { quantity: { $gt: 0 }, product_id: [1, 2], status: ['paid'], username: { a: 1 }, password: ['x'] },
  { __proto__: { isStaff: true }, constructor: { prototype: { x: 1 } } },
  { name: 'x'.repeat(100_000), description: 'y'.repeat(100_000), price: '9'.repeat(400) },
];
const QUERIES = ['?page=-1', '?page=1e309', '?page_size=abc', `?search=${encodeURIComponent(NUL)}`, '?min_price=NaN', '?ordering[]=price', '?user=99999999999999', '?in_stock=%00'];
const IDS = ['0', '-1', 'abc', '1.5', '99999999999999999999', '%00', '1%20OR%201=1'];

const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  ['get', 'post', 'put', 'patch', 'delete'].filter((m) => m in (item as object)).map((method) => ({ method, path })),
);

describe('hostile input never produces a 500', () => {
  it.each(operations)('$method $path', async ({ method, path }) => {
    const { auth } = await signedIn({ isStaff: true });
    await buildProduct();
    const urls = path.includes('{') ? IDS.map((id) => path.replace(/\{[^}]+\}/, id)).concat(path.replace(/\{[^}]+\}/, '1')) : [path];
    const send = (url: string, body?: unknown) => {
      const req = (request(shop.app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url).set(auth);
      return body === undefined ? req : req.set('Content-Type', 'application/json').send(JSON.stringify(body));
    };
    for (const url of urls) {
      for (const query of QUERIES) {
        const res = await send(url + query);
        if (res.status >= 500) throw new Error(`${method} ${url + query} -> ${res.status} ${res.text}`);
      }
      if (method === 'get' || method === 'delete') continue;
      for (const body of BODIES) {
        const res = await send(url, body);
        if (res.status >= 500) throw new Error(`${method} ${url} ${JSON.stringify(body).slice(0, 200)} -> ${res.status} ${res.text}`);
        expect(res.headers['content-type']).toMatch(/json/);
      }
      const res = await send(url, undefined).set('Content-Type', 'application/json').send('{"unterminated": ');
      expect(res.status).toBeLessThan(500);
    }
  });
});
