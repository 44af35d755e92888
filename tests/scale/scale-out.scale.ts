// Two server processes, built the production way (`npm run build`, then
// `node dist/server.js` with NODE_ENV=production), behind Debian's nginx on
// deploy/nginx.conf, sharing this worker's scratch PostgreSQL database, one
// Redis and one upload folder. Every request below goes through nginx unless
// it says otherwise.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { seedDemoData } from '../../src/cli/seed';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { accessTokenFor, buildProduct, buildUser } from '../support/api';
import { pngBytes } from '../support/images';
import { stockOf } from '../support/shop';
import { requestFrom, sleep, startBuiltServer, startNginx, freePorts, type BuiltServer, type Nginx } from './support';

// newman ships no types; this is the part of its programmatic API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const newman = require('newman') as {
  run(options: object, callback: (error: Error | null, summary: NewmanSummary) => void): unknown;
};
interface NewmanSummary {
  run: {
    error?: { message: string };
    failures: { error: { message: string; test?: string }; source?: { name?: string } }[];
    stats: Record<'requests' | 'assertions', { total: number; failed: number }>;
  };
}

jest.setTimeout(120_000);

const RATE_LIMIT = 10;
const DRAIN_SECONDS = 5; // longer than the upstream keepalive_timeout (4 s) in deploy/nginx.conf
const SCENARIO = path.resolve(__dirname, '../../postman/shop-scenario.postman_collection.json');

let servers: BuiltServer[] = [];
let nginx: Nginx;

beforeAll(async () => {
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: config.database.url!,
    JWT_SECRET: config.auth.jwtSecret,
    BCRYPT_ROUNDS: '4',
    TRUST_PROXY: '1',
    REDIS_URL: 'redis://127.0.0.1:6379',
    THROTTLE_KEY_PREFIX: `shop-scale-${randomBytes(4).toString('hex')}`,
    AUTH_RATE_LIMIT_PER_MIN: String(RATE_LIMIT),
    UPLOAD_DIR: config.uploads.dir, // the folder this test seeds images into, shared by both
    SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
    DATABASE_POOL_SIZE: '10',
  };
  // nginx needs the instances' ports and the instances need nginx's URL (PUBLIC_URL).
  const [nginxPort, ...ports] = (await freePorts(3)) as [number, number, number];
  const publicUrl = `http://127.0.0.1:${nginxPort}`;
  servers = await Promise.all(ports.map((port) => startBuiltServer({ ...env, PUBLIC_URL: publicUrl }, { port })));
  nginx = await startNginx(ports as [number, number], nginxPort);
}, 90_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await nginx?.stop();
});

const upstreamOf = (server: BuiltServer) => `127.0.0.1:${server.port}`;
const served = (entries: { upstreams: string[] }[]) => new Set(entries.flatMap((e) => e.upstreams));

test('the committed Postman scenario runs green through nginx, spread over both instances', async () => {
  // The scenario's staff steps (categories) log in as the demo admin, seeded here into the shared database.
  await seedDemoData({ withAdmin: true });
  const { username, password } = config.demoAdmin;
  const before = (await nginx.accessLog()).length;

  const summary = await new Promise<NewmanSummary>((resolve, reject) =>
    newman.run(
      {
        collection: JSON.parse(readFileSync(SCENARIO, 'utf8')),
        envVar: [{ key: 'baseUrl', value: nginx.url }, { key: 'staffUsername', value: username }, { key: 'staffPassword', value: password }],
        reporters: [],
        timeoutRequest: 10_000,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

  const failures = summary.run.failures.map((f) => `${f.source?.name} › ${f.error.test ?? ''}: ${f.error.message}`);
  expect(failures).toEqual([]);
  expect(summary.run.error ?? null).toBeNull();
  expect(summary.run.stats.requests.total).toBeGreaterThan(10);
  expect(served((await nginx.accessLog()).slice(before))).toEqual(new Set(servers.map(upstreamOf)));
});

test('the auth rate limit is one budget per client across both instances, keyed on the address nginx forwards', async () => {
  const before = (await nginx.accessLog()).length;
  const login = (from: string, i: number, headers: Record<string, string> = {}) =>
    requestFrom(from, `${nginx.url}/api/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ username: `nobody-${i}`, password: 'not-the-password' }),
    });

  const statuses: number[] = [];
  for (let i = 0; i < RATE_LIMIT + 6; i += 1) statuses.push((await login('127.0.0.2', i)).status);
  // A forged X-Forwarded-For does not buy a fresh budget: nginx appends the real address.
  const forged = await login('127.0.0.2', 99, { 'X-Forwarded-For': '203.0.113.9' });
  // Another client has its own budget.
  const other = await login('127.0.0.3', 100);

  expect(statuses).toEqual([...Array(RATE_LIMIT).fill(401), ...Array(6).fill(429)]);
  expect(forged.status).toBe(429);
  expect(forged.headers['retry-after']).toMatch(/^\d+$/);
  expect(other.status).toBe(401);
  const fromFirstClient = (await nginx.accessLog()).slice(before).filter((e) => e.client === '127.0.0.2' && e.path === '/api/token/');
  expect(fromFirstClient).toHaveLength(RATE_LIMIT + 7);
  expect(served(fromFirstClient)).toEqual(new Set(servers.map(upstreamOf)));
});

test('an image uploaded through one instance is served by the other (one shared upload folder)', async () => {
  const staff = await buildUser({ isStaff: true });
  const form = new FormData();
  form.set('name', 'Scaled mug');
  form.set('price', '12.50');
  form.set('stock', '3');
  const png = pngBytes();
  form.set('image', new Blob([png], { type: 'image/png' }), 'mug.png');
  const before = (await nginx.accessLog()).length;

  const created = await fetch(`${nginx.url}/api/products/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await accessTokenFor(staff.id)}` },
    body: form,
  });
  expect(created.status).toBe(201);
  const { image } = (await created.json()) as { image: string };
  expect(image.startsWith(`${nginx.url}/media/`)).toBe(true);

  const upload = (await nginx.accessLog()).slice(before).find((e) => e.method === 'POST' && e.path === '/api/products/');
  expect(upload?.upstreams).toHaveLength(1);
  const other = servers.find((s) => upstreamOf(s) !== upload!.upstreams[0])!;
  const direct = await fetch(`${other.url}${new URL(image).pathname}`);
  expect(direct.status).toBe(200);
  expect(Buffer.from(await direct.arrayBuffer()).equals(png)).toBe(true);
  for (let i = 0; i < 4; i += 1) expect((await fetch(image)).status).toBe(200);
});

test('20 concurrent checkouts for a stock of 7 sell exactly 7, over both instances', async () => {
  const product = await buildProduct({ stock: 7 });
  const buyers = await Promise.all([...Array(20)].map(() => buildUser()));
  await db().cartItem.createMany({ data: buyers.map((b) => ({ userId: b.id, productId: product.id, quantity: 1 })) });
  const tokens = await Promise.all(buyers.map((b) => accessTokenFor(b.id)));
  const before = (await nginx.accessLog()).length;

  const statuses = await Promise.all(
    tokens.map(async (token) =>
      (await fetch(`${nginx.url}/api/orders/checkout/`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status,
    ),
  );

  expect(statuses.filter((s) => s === 201)).toHaveLength(7);
  expect(statuses.filter((s) => s === 409)).toHaveLength(13);
  expect(await stockOf(product.id)).toBe(0);
  const sold = await db().orderItem.aggregate({ where: { productId: product.id }, _sum: { quantity: true } });
  expect(sold._sum.quantity).toBe(7);
  const checkouts = (await nginx.accessLog()).slice(before).filter((e) => e.path === '/api/orders/checkout/');
  expect(served(checkouts)).toEqual(new Set(servers.map(upstreamOf)));
});

test('an instance stopped with SIGTERM under load drains: /ready 503 first, no request nginx sent it is lost, it exits 0', async () => {
  const product = await buildProduct({ stock: 1_000_000 });
  // Each buyer places at most 8 orders (below MAX_PENDING_ORDERS_PER_USER's default of 10).
  const buyers = await Promise.all([...Array(100)].map(() => buildUser()));
  const tokens = await Promise.all(buyers.map((b) => accessTokenFor(b.id)));
  const [stopped, survivor] = servers as [BuiltServer, BuiltServer];
  const before = (await nginx.accessLog()).length;

  // A steady, bounded stream: 6 clients, each a read or an order every ~20 ms.
  let running = true;
  let sequence = 0;
  let orderCount = 0;
  const failures: string[] = [];
  let answered = 0;
  const client = async () => {
    for (let i = 0; running && i < 2_000; i += 1) {
      const n = (sequence += 1);
      const buyer = n % 4 === 0 ? tokens[Math.floor(orderCount / 8)] : undefined;
      const order = buyer !== undefined;
      if (order) orderCount += 1;
      const url = order ? `${nginx.url}/api/orders/` : n % 2 ? `${nginx.url}/api/products/?page=1` : `${nginx.url}/api/products/${product.id}/`;
      try {
        const response = order
          ? await fetch(url, {
              method: 'POST',
              headers: { Authorization: `Bearer ${buyer}`, 'Content-Type': 'application/json' },
              body: JSON.stringify({ items: [{ product_id: product.id, quantity: 1 }] }),
            })
          : await fetch(url);
        await response.arrayBuffer();
        if (response.status !== (order ? 201 : 200)) failures.push(`${order ? 'POST' : 'GET'} ${url}: ${response.status}`);
        answered += 1;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`);
      }
      await sleep(20);
    }
  };
  const load = Promise.all([...Array(6)].map(client));

  await sleep(1_500);
  const signalledAt = Date.now();
  stopped.process.kill('SIGTERM');
  // Ask the stopping instance itself (not through nginx) while it drains.
  const readiness: number[] = [];
  let problem = '';
  let retryAfter: string | null = null;
  while (stopped.process.exitCode === null && Date.now() - signalledAt < (DRAIN_SECONDS - 1) * 1000) {
    const ready = await fetch(`${stopped.url}/ready`).catch(() => null);
    if (ready) {
      readiness.push(ready.status);
      if (ready.status === 503) {
        problem = ready.headers.get('content-type') ?? '';
        retryAfter = ready.headers.get('retry-after');
      }
      await ready.arrayBuffer();
    }
    await sleep(200);
  }
  const exitCode = await stopped.exited;
  const exitedAt = Date.now();
  await sleep(2_000); // more load on the survivor alone
  running = false;
  await load;

  expect(failures).toEqual([]);
  expect(answered).toBeGreaterThan(100);
  expect(exitCode).toBe(0);
  expect(exitedAt - signalledAt).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
  // At most the first probe may beat the signal handler; from the first 503 on, only 503.
  const from503 = readiness.indexOf(503);
  expect(from503).toBeGreaterThanOrEqual(0);
  expect(from503).toBeLessThanOrEqual(1);
  expect(readiness.slice(from503).every((s) => s === 503)).toBe(true);
  expect(readiness.length - from503).toBeGreaterThan(3);
  expect(problem).toMatch(/application\/problem\+json/);
  expect(retryAfter).toMatch(/^\d+$/);

  // nginx kept sending to the stopping instance while it drained, then only to the other one.
  const log = (await nginx.accessLog()).slice(before);
  expect(log.every((e) => e.status === 200 || e.status === 201)).toBe(true);
  expect(log.filter((e) => e.upstreams.at(-1) === upstreamOf(stopped)).length).toBeGreaterThan(10);
  expect(log.filter((e) => e.upstreams.at(-1) === upstreamOf(survivor)).length).toBeGreaterThan(10);
  const orders = await db().order.count({ where: { items: { some: { productId: product.id } } } });
  expect(orders).toBe(log.filter((e) => e.method === 'POST' && e.status === 201).length);
  servers = [survivor];
});
